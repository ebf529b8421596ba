import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV, POWERTOOLS_ENV } from '../../functions/commons/environment.js';

/** The repository's root (the app runs from `dist/cdk` or, in tests, from `cdk/`). */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package-lock.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package-lock.json not found above the CDK app');
    dir = parent;
  }
  return dir;
}

const DEFAULT_MEMORY_MB = 1024;

export interface ImporterFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'handler'> {
  /**
   * The handler's file under `functions/`, e.g. `apply-step.ts`.
   *
   * @default - none (required)
   */
  readonly handlerFile: string;
  /**
   * Retention of the function's own log group.
   *
   * @default - none (required)
   */
  readonly logRetention: RetentionDays;
  /**
   * What becomes of the function's log group when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
  /**
   * A KMS key the function's log group is encrypted with.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logKey?: IKey;
}

/**
 * A Lambda function of the Importer with its defaults fixed once: Node.js 24 on ARM64, X-Ray tracing, its own
 * log group (retention set, no log-retention custom resource), bundled by esbuild locally (no Docker) as an
 * ES module with source maps, every dependency in the bundle (the versions tested are the versions run).
 */
export class ImporterFunction extends NodejsFunction {
  /** The handler's file under `functions/` (the tests bind the synthesized state machines' tasks to it). */
  readonly handlerFile: string;
  /** Its memory in MB (the alarm on memory near the limit compares with it). */
  readonly memoryMb: number;

  constructor(scope: Construct, id: string, props: ImporterFunctionProps) {
    const { handlerFile, logRetention, removalPolicy, logKey, environment, ...rest } = props;
    const root = repositoryRoot();
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention,
      removalPolicy,
      ...(logKey ? { encryptionKey: logKey } : {}),
    });
    // Its own role, allowed to write its own log group only (no AWS managed policy, which allows every group).
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: join(root, 'functions', handlerFile),
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      memorySize: DEFAULT_MEMORY_MB,
      timeout: Duration.minutes(1),
      logGroup,
      role,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        externalModules: [],
        // Some dependencies still call require(); an ES module bundle needs it defined.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        forceDockerBundling: false,
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [POWERTOOLS_ENV.serviceName]: 'lok-importer',
        [POWERTOOLS_ENV.metricsNamespace]: 'LokImporter',
        [POWERTOOLS_ENV.logLevel]: 'INFO',
        [ENV.stage]: Stack.of(scope).stackName,
        ...environment,
      },
      ...rest,
    });
    this.handlerFile = handlerFile;
    this.memoryMb = rest.memorySize ?? DEFAULT_MEMORY_MB;
  }
}
