import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { isPlaceholderAccount, isPlaceholderEmail, stackNameOf, stagesFrom } from './config.js';
import { ImporterStack } from './importer-stack.js';

/**
 * The Importer's CDK app: one stack per stage from the context `stages` (cdk.json), e.g. `LokImporter-test`
 * and `LokImporter-prod`, each pinned to its stage's account and region (the CDK refuses to deploy it with
 * another account's credentials; synth needs none). cdk-nag's AwsSolutions checks run as a validation plugin on
 * every synth.
 */
export function importerApp(app: App = new App()): App {
  for (const stage of stagesFrom(app.node.tryGetContext('stages'))) {
    const stack = new ImporterStack(app, stackNameOf(stage.name), {
      stage,
      description: `lok-importer (${stage.name}, ${stage.kind}): SFTP → S3 → Step Functions → Lambda → DynamoDB`,
      env: { account: stage.account, region: stage.region },
      tags: { application: 'lok-importer', stage: stage.name },
    });
    if (isPlaceholderAccount(stage.account)) {
      Annotations.of(stack).addWarningV2(
        'lok:placeholder-account',
        `stage ${stage.name}: account ${stage.account} is a placeholder; set the stage's AWS account id in cdk.json → context.stages.${stage.name}.account before deploying (docs/operations.md)`,
      );
    }
    // A production stage with a real account refuses a placeholder address outright (config.ts).
    if (stage.production && stage.alarmEmail && isPlaceholderEmail(stage.alarmEmail) && !stage.alarmTopicArn) {
      Annotations.of(stack).addWarningV2(
        'lok:placeholder-alarm-email',
        `stage ${stage.name}: alarmEmail ${stage.alarmEmail} is a placeholder: production's alarms would reach no one; set RF operations' address in cdk.json → context.stages.${stage.name}.alarmEmail (docs/operations.md)`,
      );
    }
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  importerApp().synth();
}
