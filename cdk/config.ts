/**
 * The stages one app deploys (`cdk.json` → context `stages`). Each is its own stack with its own bucket,
 * tables, keys, identity secret and SFTP server: nothing personal flows from production to test. RF gives
 * vendors the test stage first; production holds real personal data (a signed agreement comes first).
 */
export interface StageConfig {
  readonly name: string;
  /**
   * What the stage is, which decides every default below. No default: each stage declares it in cdk.json, so
   * no stage is taken for production or for test by its name.
   */
  readonly kind: StageKind;
  /**
   * The 12-digit AWS account the stack is pinned to: the CDK refuses to deploy it with another account's
   * credentials. No default (an unpinned stack would deploy into whatever account the credentials belong to).
   */
  readonly account: string;
  /** The region the stack is pinned to, e.g. `eu-north-1`. No default. */
  readonly region: string;
  /**
   * Where alarms are e-mailed (an SNS subscription of the alarm topic). A stage of kind `production` needs this or
   * `alarmTopicArn`: it refuses to synthesize with no one to tell.
   */
  readonly alarmEmail?: string;
  /** An SNS topic of RF's (on-call, a chat) in the stage's region that every alarm also goes to, firing and clearing. */
  readonly alarmTopicArn?: string;
  /**
   * The stage is of kind `production`: deletion protection, buckets, table, keys and log groups retained on stack
   * deletion (a `test` stage's are deleted, its buckets emptied first). Not a setting: it follows the kind.
   */
  readonly production: boolean;
  /** Days Lambda and state machine logs are kept. Default: 365 in production, 30 in test. */
  readonly logRetentionDays: number;
  /** Failed import executions in 5 minutes that raise the alarm. Default: 1 in production, 5 in test. */
  readonly failedImportsAlarmThreshold: number;
  /** Nightly reconciliation, local time Europe/Stockholm. Default: 2 in production, 3 in test. */
  readonly reconciliationHour: number;
  /** The vendors' SFTP endpoint (cdk.json → context.stages.<stage>.sftp). Default: public, no custom host name. */
  readonly sftp: SftpSettings;
}

/**
 * How vendors reach the stage's SFTP server (docs/operations.md, "The SFTP endpoint: addresses, allow-list, host
 * name"). `public`: Transfer Family's public endpoint, reachable from anywhere, its addresses AWS's to change.
 * `vpc`: an internet-facing VPC endpoint with one Elastic IP per availability zone (fixed addresses vendors can
 * open their firewalls to) and a security group that lets in only `allowedCidrs` (the vendors' networks) on port 22.
 */
export interface SftpSettings {
  readonly endpoint: 'public' | 'vpc';
  /** IPv4 networks (CIDR) allowed to connect; `vpc` only, at least one, never 0.0.0.0/0 (that is `public`). */
  readonly allowedCidrs: readonly string[];
  /** Availability zones, each with a subnet and an Elastic IP (`vpc` only). Default 2. */
  readonly zones: number;
  /** The host name vendors are given (RF's DNS points it at the server: a CNAME, or A records to the Elastic IPs). */
  readonly hostName?: string;
}

export const SFTP_DEFAULTS: SftpSettings = { endpoint: 'public', allowedCidrs: [], zones: 2 };

/** The kinds a stage may declare: `production` (real personal data) or `test` (synthetic or consented data). */
export const STAGE_KINDS = ['production', 'test'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

type Defaults = Pick<StageConfig, 'logRetentionDays' | 'failedImportsAlarmThreshold' | 'reconciliationHour'>;

/** What each kind of stage gets unless its cdk.json entry says otherwise. */
const DEFAULTS: Record<StageKind, Defaults> = {
  test: { logRetentionDays: 30, failedImportsAlarmThreshold: 5, reconciliationHour: 3 },
  production: { logRetentionDays: 365, failedImportsAlarmThreshold: 1, reconciliationHour: 2 },
};

/** What a stage's entry in cdk.json may hold; anything else (a misspelt setting) is refused, never ignored. */
const SETTINGS = [
  'kind',
  'account',
  'region',
  'alarmEmail',
  'alarmTopicArn',
  'logRetentionDays',
  'failedImportsAlarmThreshold',
  'reconciliationHour',
  'sftp',
] as const;
const SFTP_SETTINGS = ['endpoint', 'allowedCidrs', 'zones', 'hostName'] as const;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
type StageSettings = Partial<Record<(typeof SETTINGS)[number], unknown>>;

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The account ids cdk.json ships with until operations set RF's own (docs/operations.md): one digit twelve times,
 * which no RF account is. A stage pinned to one synthesizes, but the CDK refuses to deploy it with RF's credentials
 * (they are for another account).
 */
export function isPlaceholderAccount(account: string): boolean {
  return /^(\d)\1{11}$/.test(account);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):[A-Za-z0-9_-]{1,256}$/;

/**
 * An address that reaches no one: a domain reserved for examples and tests (RFC 2606 and 6761: example.com, .org,
 * .net, and names under .example, .invalid, .test, .localhost), as cdk.json ships with until operations set RF's.
 */
export function isPlaceholderEmail(email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return /^example\.(com|org|net)$/.test(domain) || /(^|\.)(example|invalid|test|localhost)$/.test(domain);
}

/** Where a setting lives, for error messages: `cdk.json → context.stages.prod.account`. */
function where(stage: string, setting: string): string {
  return `cdk.json → context.stages.${stage}.${setting}`;
}

function kindOf(name: string, given: StageSettings): StageKind {
  const kind = STAGE_KINDS.find((k) => k === given.kind);
  if (kind === undefined) {
    throw new Error(
      `stage ${name}: kind must be ${STAGE_KINDS.map((k) => `"${k}"`).join(' or ')} (${where(name, 'kind')}), got ${JSON.stringify(given.kind)}; a stage is never taken for production or test by its name`,
    );
  }
  return kind;
}

function pinned(name: string, given: StageSettings): Pick<StageConfig, 'account' | 'region'> {
  const { account, region } = given;
  if (typeof account !== 'string' || !ACCOUNT.test(account)) {
    throw new Error(
      `stage ${name}: account must be the 12-digit id of the AWS account to deploy to, as a string (${where(name, 'account')}), got ${JSON.stringify(account)}`,
    );
  }
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw new Error(
      `stage ${name}: region must be an AWS region such as "eu-north-1" (${where(name, 'region')}), got ${JSON.stringify(region)}`,
    );
  }
  return { account, region };
}

/**
 * Where the stage's alarms go, checked: an e-mail address, an SNS topic in the stage's own region (an alarm's action
 * must be), both or, for a test stage, neither. Production refuses to synthesize without one, and with an address
 * that reaches no one once its account is RF's.
 */
function alarmDestinations(
  name: string,
  kind: StageKind,
  given: StageSettings,
  { account, region }: Pick<StageConfig, 'account' | 'region'>,
): Pick<StageConfig, 'alarmEmail' | 'alarmTopicArn'> {
  const { alarmEmail, alarmTopicArn } = given;
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !EMAIL.test(alarmEmail))) {
    throw new Error(
      `stage ${name}: alarmEmail must be an e-mail address (${where(name, 'alarmEmail')}), got ${JSON.stringify(alarmEmail)}`,
    );
  }
  if (alarmTopicArn !== undefined) {
    const match = typeof alarmTopicArn === 'string' ? TOPIC_ARN.exec(alarmTopicArn) : null;
    if (!match)
      throw new Error(
        `stage ${name}: alarmTopicArn must be an SNS topic's ARN, arn:aws:sns:<region>:<account>:<name> (${where(name, 'alarmTopicArn')}), got ${JSON.stringify(alarmTopicArn)}`,
      );
    if (match[1] !== region)
      throw new Error(
        `stage ${name}: alarmTopicArn must be in the stage's region ${region} (an alarm can only notify a topic of its own region), got ${match[1]}`,
      );
  }
  if (kind === 'production') {
    if (alarmEmail === undefined && alarmTopicArn === undefined) {
      throw new Error(
        `stage ${name} (production): no alarm destination: set alarmEmail (an address RF operations read) or alarmTopicArn (an SNS topic in ${region}, e.g. RF's on-call) in cdk.json → context.stages.${name}; production's alarms must reach someone (docs/operations.md, "Alarms")`,
      );
    }
    if (
      typeof alarmEmail === 'string' &&
      isPlaceholderEmail(alarmEmail) &&
      alarmTopicArn === undefined &&
      !isPlaceholderAccount(account)
    ) {
      throw new Error(
        `stage ${name} (production): alarmEmail ${alarmEmail} reaches no one (a placeholder domain) and no alarmTopicArn is set (${where(name, 'alarmEmail')}): set the address RF operations read before deploying to account ${account}`,
      );
    }
  }
  return {
    ...(typeof alarmEmail === 'string' ? { alarmEmail } : {}),
    ...(typeof alarmTopicArn === 'string' ? { alarmTopicArn } : {}),
  };
}

/** An IPv4 network as CIDR, its address the network's own (no host bits set), not everything (0.0.0.0/0). */
function isNetwork(cidr: unknown): boolean {
  const match = typeof cidr === 'string' ? CIDR.exec(cidr) : null;
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits < 1 || bits > 32) return false;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  return address % 2 ** (32 - bits) === 0;
}

/** The stage's SFTP settings, checked: a misspelt one, an empty or open allow-list, a bad host name are refused. */
function sftpSettings(name: string, given: unknown): SftpSettings {
  if (given === undefined) return SFTP_DEFAULTS;
  const at = (setting: string) => where(name, `sftp.${setting}`);
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new Error(`stage ${name}: sftp must be an object (${where(name, 'sftp')})`);
  const settings = given as Record<string, unknown>;
  const unknown = Object.keys(settings).filter((key) => !(SFTP_SETTINGS as readonly string[]).includes(key));
  if (unknown.length > 0)
    throw new Error(
      `stage ${name}: unknown sftp setting ${unknown.join(', ')} (the settings: ${SFTP_SETTINGS.join(', ')})`,
    );
  const endpoint = settings.endpoint ?? SFTP_DEFAULTS.endpoint;
  if (endpoint !== 'public' && endpoint !== 'vpc')
    throw new Error(
      `stage ${name}: sftp.endpoint must be "public" or "vpc" (${at('endpoint')}), got ${JSON.stringify(endpoint)}`,
    );
  const allowedCidrs = settings.allowedCidrs ?? [];
  if (!Array.isArray(allowedCidrs) || !allowedCidrs.every(isNetwork)) {
    throw new Error(
      `stage ${name}: sftp.allowedCidrs must be IPv4 networks such as "203.0.113.0/24", not 0.0.0.0/0 (${at('allowedCidrs')}), got ${JSON.stringify(allowedCidrs)}`,
    );
  }
  if (endpoint === 'vpc' && allowedCidrs.length === 0)
    throw new Error(
      `stage ${name}: sftp.endpoint "vpc" needs the vendors' networks in sftp.allowedCidrs (${at('allowedCidrs')}): no one could connect`,
    );
  if (endpoint === 'public' && allowedCidrs.length > 0)
    throw new Error(
      `stage ${name}: sftp.allowedCidrs needs sftp.endpoint "vpc" (${at('endpoint')}): a public endpoint has no allow-list`,
    );
  const zones = settings.zones ?? SFTP_DEFAULTS.zones;
  if (!Number.isInteger(zones) || (zones as number) < 1 || (zones as number) > 3)
    throw new Error(`stage ${name}: sftp.zones must be 1, 2 or 3 (${at('zones')}), got ${JSON.stringify(zones)}`);
  const hostName = settings.hostName;
  if (hostName !== undefined && (typeof hostName !== 'string' || !HOST_NAME.test(hostName))) {
    throw new Error(
      `stage ${name}: sftp.hostName must be a DNS name such as "sftp.lok.example.se" (${at('hostName')}), got ${JSON.stringify(hostName)}`,
    );
  }
  return {
    endpoint,
    allowedCidrs: allowedCidrs as string[],
    zones: zones as number,
    ...(hostName !== undefined ? { hostName: hostName as string } : {}),
  };
}

/** One stage from its cdk.json entry: its kind's defaults, then what the entry sets, checked. */
function stageFrom(name: string, given: StageSettings): StageConfig {
  if (!STAGE_NAME.test(name))
    throw new Error(`stage name "${name}": lowercase letters, digits and '-', starting with a letter`);
  const unknown = Object.keys(given).filter((key) => !(SETTINGS as readonly string[]).includes(key));
  if (unknown.length > 0)
    throw new Error(`stage ${name}: unknown setting ${unknown.join(', ')} (the settings: ${SETTINGS.join(', ')})`);
  const kind = kindOf(name, given);
  const pin = pinned(name, given);
  const stage = {
    ...DEFAULTS[kind],
    ...given,
    ...pin,
    ...alarmDestinations(name, kind, given, pin),
    sftp: sftpSettings(name, given.sftp),
    name,
    kind,
    production: kind === 'production',
  } as StageConfig;
  if (!Number.isInteger(stage.reconciliationHour) || stage.reconciliationHour < 0 || stage.reconciliationHour > 23) {
    throw new Error(`stage ${name}: reconciliationHour must be 0..23`);
  }
  return stage;
}

/** The stages from the app's context, defaults filled in; refuses what would deploy something unintended. */
export function stagesFrom(context: unknown): StageConfig[] {
  if (context === null || typeof context !== 'object' || Array.isArray(context) || Object.keys(context).length === 0) {
    throw new Error(
      'no stages: cdk.json → context.stages names each stage with its kind, account and region (docs/operations.md)',
    );
  }
  const stages = Object.entries(context as Record<string, StageSettings>).map(([name, given]) =>
    stageFrom(name, given ?? {}),
  );
  // Production keeps personal data in an account of its own: a test stage's id copied into it would deploy there.
  for (const stage of stages.filter((s) => s.production)) {
    const other = stages.find((s) => s !== stage && s.account === stage.account);
    if (other)
      throw new Error(
        `stage ${stage.name} (production) shares its account ${stage.account} with stage ${other.name} (${where(stage.name, 'account')}): production needs an account of its own`,
      );
  }
  return stages;
}

/** The stack of a stage (`LokImporter-test`, `LokImporter-prod`): what `cdk deploy` and the smoke test name. */
export function stackNameOf(stage: string): string {
  return `LokImporter-${stage}`;
}

/** The stack output that holds the host vendors connect to (read by `npm run smoke`). */
export const SFTP_ENDPOINT_OUTPUT = 'SftpEndpoint';
