import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stagesFrom } from './config.js';
import { ImporterStack } from './importer-stack.js';

/**
 * The Importer's CDK app: one stack per stage from the context `stages` (cdk.json), e.g. `LokImporter-test`
 * and `LokImporter-prod`. cdk-nag's AwsSolutions checks run as a validation plugin on every synth.
 */
export function importerApp(app: App = new App()): App {
  for (const stage of stagesFrom(app.node.tryGetContext('stages'))) {
    new ImporterStack(app, `LokImporter-${stage.name}`, {
      stage,
      description: `lok-importer (${stage.name}): SFTP → S3 → Step Functions → Lambda → DynamoDB`,
      ...(stage.account || stage.region ? { env: { ...(stage.account ? { account: stage.account } : {}), ...(stage.region ? { region: stage.region } : {}) } } : {}),
      tags: { application: 'lok-importer', stage: stage.name },
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  importerApp().synth();
}
