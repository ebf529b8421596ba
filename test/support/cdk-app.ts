import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { importerApp } from '../../cdk/app.js';
import type { ImporterStack } from '../../cdk/importer-stack.js';

export const STAGES = {
  test: { kind: 'test', account: '111111111111', region: 'eu-north-1' },
  prod: { kind: 'production', account: '222222222222', region: 'eu-north-1', alarmEmail: 'lok-drift@example.org' },
} as const;

/**
 * The app as `npm run synth` builds it, with the stages above. `bundle: false` skips esbuild (the assertion
 * tests read templates, not bundles); one test bundles for real.
 */
export function synthApp(options: { bundle: boolean; outdir?: string } = { bundle: false }): {
  app: App;
  stacks: Record<'test' | 'prod', ImporterStack>;
} {
  const app = importerApp(
    new App({
      ...(options.outdir ? { outdir: options.outdir } : {}),
      context: { stages: STAGES, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    }),
  );
  const stack = (name: string) => app.node.findChild(`LokImporter-${name}`) as ImporterStack;
  return { app, stacks: { test: stack('test'), prod: stack('prod') } };
}

/** Both stages synthesized, with their templates: what most template tests read. */
export interface SynthesizedStages {
  readonly stacks: Record<'test' | 'prod', ImporterStack>;
  readonly test: Template;
  readonly prod: Template;
}

export function synthStages(): SynthesizedStages {
  const { stacks } = synthApp();
  return { stacks, test: Template.fromStack(stacks.test), prod: Template.fromStack(stacks.prod) };
}

/** CDK's own provider behind `autoDeleteObjects` (test stage): its role and handler are CDK's, not the Importer's. */
export const AUTO_DELETE_PROVIDER = /^CustomS3AutoDeleteObjectsCustomResourceProvider/;

/** CDK's own function behind BucketDeployment (the club site's files, cdk/constructs/club-site.ts): its role and handler are CDK's. */
export const BUCKET_DEPLOYMENT_PROVIDER = /^CustomCDKBucketDeployment/;

/** A lifecycle rule of a bucket, as the template holds it. */
export interface LifecycleRule {
  readonly Id: string;
  readonly Prefix?: string;
  readonly ExpirationInDays?: number;
  readonly NoncurrentVersionExpiration?: { readonly NoncurrentDays: number };
}

/** The lifecycle rules of the file bucket (the one that keeps the archive seven years) in `template`. */
export function fileBucketLifecycleRules(template: Template): readonly LifecycleRule[] {
  const bucket = Object.values(template.findResources('AWS::S3::Bucket')).find((b) =>
    JSON.stringify(b).includes('archive-seven-years'),
  )!;
  return (bucket.Properties as { LifecycleConfiguration: { Rules: LifecycleRule[] } }).LifecycleConfiguration.Rules;
}

/** The template's resources of a type, CDK's own providers (auto-delete, bucket deployment) left out. */
export function ownResources(template: Template, type: string): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(template.findResources(type)).filter(
      ([id]) => !AUTO_DELETE_PROVIDER.test(id) && !BUCKET_DEPLOYMENT_PROVIDER.test(id),
    ),
  );
}

/** A CloudFormation value with its intrinsic functions flattened to text (tokens become `<Ref>`/`<GetAtt>`). */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join('');
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
    if ('Ref' in object) return `<${String(object.Ref)}>`;
    if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
    return JSON.stringify(object);
  }
  return String(value);
}

export interface Asl {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Resource?: unknown;
  readonly TimeoutSeconds?: number;
  readonly Parameters?: unknown;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly {
    readonly Next: string;
    readonly Variable?: string;
    readonly NumericGreaterThan?: number;
    readonly And?: unknown[];
  }[];
  readonly Retry?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly MaxAttempts: number;
    readonly IntervalSeconds: number;
    readonly BackoffRate: number;
    readonly MaxDelaySeconds?: number;
    readonly JitterStrategy?: string;
  }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
  readonly ItemReader?: { readonly Resource: string; readonly ReaderConfig?: { readonly InputType?: string } };
  readonly ItemProcessor?: {
    readonly ProcessorConfig?: { readonly Mode?: string };
    readonly StartAt: string;
    readonly States: Record<string, AslState>;
  };
  readonly ItemBatcher?: { readonly MaxItemsPerBatch?: number; readonly BatchInput?: unknown };
  readonly MaxConcurrency?: number;
}

/** The state machine's definition, parsed (the ARNs of its functions appear as `<Logical.Arn>`). */
export function definitionOf(template: Template, comment: RegExp): Asl {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as {
    Properties: { DefinitionString: unknown };
  }[];
  for (const machine of machines) {
    const asl = JSON.parse(flatten(machine.Properties.DefinitionString)) as Asl & { Comment?: string };
    if (asl.Comment && comment.test(asl.Comment)) return asl;
  }
  throw new Error(`no state machine whose comment matches ${comment}`);
}
