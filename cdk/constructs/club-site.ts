import { Aws, Duration, Fn, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { join } from 'node:path';
import { ENV } from '../../functions/commons/environment.js';
import { ImporterFunction, repositoryRoot } from './importer-function.js';
import { grantRegister, type AccessTargets } from './step-access.js';

/** The Cognito group whose members see every club (shared/web/grants.ts RF_SUPPORT). */
export const RF_SUPPORT_GROUP = 'rf-support';
/** The user attribute holding an official's clubs, comma-separated (shared/web/grants.ts reads `custom:clubs`). */
export const CLUBS_ATTRIBUTE = 'clubs';

export interface ClubSiteProps {
  /**
   * The register (read and write: an application is recorded in it).
   *
   * @default - none (required)
   */
  readonly access: AccessTargets;
  /**
   * Where the site bucket's and the distribution's access logs go (the file store's log bucket).
   *
   * @default - none (required)
   */
  readonly accessLogs: IBucket;
  /**
   * A production stage: the user pool's deletion protection on, the site bucket's objects kept when the stack is
   * deleted (a test stage empties it).
   *
   * @default - none (required)
   */
  readonly production: boolean;
  /**
   * Retention of the API function's and the API's access log groups.
   *
   * @default - none (required)
   */
  readonly logRetention: RetentionDays;
  /**
   * What becomes of the site bucket, the user pool and the log groups when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The club's web page in AWS (issue 16; docs/club-guide.md): the static page (shared/web/static) in a private
 * bucket behind CloudFront, its API (an HTTP API with a Cognito user pool authorizer, one Lambda over the same
 * use-cases as local mode: functions/club-api.ts) under `/api/*` of the same domain, and the user pool its club
 * officials and RF support sign in to (MFA required, no self sign-up: RF creates users, an official with the
 * `custom:clubs` attribute, RF support in the `rf-support` group).
 */
export class ClubSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly api: HttpApi;
  readonly function: ImporterFunction;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly deployment: BucketDeployment;
  readonly apiLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ClubSiteProps) {
    super(scope, id);
    const { removalPolicy } = props;
    this.bucket = new Bucket(this, 'Site', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'club-site/',
      removalPolicy,
      autoDeleteObjects: !props.production,
    });

    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      customAttributes: { [CLUBS_ATTRIBUTE]: new StringAttribute({ mutable: true, maxLen: 2048 }) },
      deletionProtection: props.production,
      removalPolicy,
    });
    new CfnUserPoolGroup(this, 'RfSupport', {
      userPoolId: this.userPool.userPoolId,
      groupName: RF_SUPPORT_GROUP,
      description: 'RF support: every club',
    });
    const domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: Fn.join('-', ['lok', Stack.of(this).stackName.toLowerCase(), Aws.ACCOUNT_ID]) },
    });

    this.function = new ImporterFunction(this, 'Api', {
      handlerFile: 'club-api.ts',
      logRetention: props.logRetention,
      removalPolicy,
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: { [ENV.registerTable]: props.access.table.tableName },
    });
    grantRegister(this.function, 'write', props.access);
    this.apiLogs = new LogGroup(this, 'ApiAccessLogs', { retention: props.logRetention, removalPolicy });
    this.api = new HttpApi(this, 'HttpApi', {
      description: "The club's web API (lok-importer)",
      createDefaultStage: true,
    });
    const stage = this.api.defaultStage!.node.defaultChild as CfnStage;
    // Request ids, routes, status and latency; no path, query or body (they name clubs and activities).
    stage.accessLogSettings = {
      destinationArn: this.apiLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        error: '$context.authorizer.error',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 200, throttlingRateLimit: 100 };

    const origin = S3BucketOrigin.withOriginAccessControl(this.bucket);
    const apiDomain = `${this.api.apiId}.execute-api.${Stack.of(this).region}.amazonaws.com`;
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: Fn.join('', [
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self' ",
            domain.baseUrl(),
            "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
          ]),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: "lok-importer: the club's web page",
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        compress: true,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(apiDomain),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
          compress: true,
        },
      },
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'club-site-cdn/',
    });
    const siteUrl = `https://${this.distribution.distributionDomainName}/`;
    this.client = this.userPool.addClient('Page', {
      generateSecret: false,
      preventUserExistenceErrors: true,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [siteUrl],
        logoutUrls: [siteUrl],
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    const authorizer = new HttpUserPoolAuthorizer('Cognito', this.userPool, { userPoolClients: [this.client] });
    this.api.addRoutes({
      path: '/api/{proxy+}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('Api', this.function),
      authorizer,
    });

    // The page's files and where it signs in (the page reads config.json: auth, the user pool's domain, its client).
    this.deployment = new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(join(repositoryRoot(), 'shared', 'web', 'static')),
        Source.jsonData('config.json', {
          auth: 'cognito',
          api: '/api',
          signIn: domain.baseUrl(),
          clientId: this.client.userPoolClientId,
          redirect: siteUrl,
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/app.js', '/app.css', '/config.json'],
      memoryLimit: 256,
    });
  }

  /** CDK's own function behind BucketDeployment: one per stack (a singleton), created beside the stack's constructs. */
  get deploymentHandler(): IConstruct {
    return Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))!;
  }
}

/**
 * The cdk-nag findings of the site that only it has, each with its reason, on its own constructs only
 * (nag-acknowledgements.ts adds them; the ones it shares with the other functions, X-Ray and the register's
 * grants, are acknowledged there on its API role too).
 */
export function clubSiteAcknowledgements(
  site: ClubSite,
  logicalId: (construct: IConstruct) => string,
  where: { readonly region: string; readonly account: string },
): { id: string; reason: string; scopes: IConstruct[] }[] {
  const handler = site.deploymentHandler;
  const deploy =
    "CDK's BucketDeployment (the page's files copied into the site bucket at deploy time, then a CloudFront invalidation): its own function and role, as aws-cdk-lib writes them";
  return [
    {
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: club officials and RF support sign in from wherever they are (travelling with a team); every API call needs a Cognito sign-in with MFA',
      scopes: [site.distribution],
    },
    {
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF web ACL: the page is static files, the API answers only signed-in users (Cognito authorizer, MFA) and is throttled at the stage; a web ACL can be added when RF wants its managed rules',
      scopes: [site.distribution],
    },
    {
      id: 'AwsSolutions-CFR4',
      reason:
        "The distribution uses CloudFront's default certificate (no custom domain yet), which cannot pin the minimum TLS version; with RF's own domain and certificate it becomes TLSv1.2_2021",
      scopes: [site.distribution],
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${deploy}: AWSLambdaBasicExecutionRole for its logs`,
      scopes: [handler],
    },
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `${deploy}: it reads the asset and replaces the site bucket's objects`,
      scopes: [handler],
    })),
    {
      id: `AwsSolutions-IAM5[Resource::<${logicalId(site.bucket)}.Arn>/*]`,
      reason: `${deploy}: it writes every object of the site bucket (the page's files only)`,
      scopes: [handler],
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${where.account}-${where.region}/*]`,
      reason: `${deploy}: it reads the page's files from the CDK asset bucket`,
      scopes: [handler],
    },
    { id: 'AwsSolutions-L1', reason: `${deploy}: its runtime is the one aws-cdk-lib pins for it`, scopes: [handler] },
  ];
}
