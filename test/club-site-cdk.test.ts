import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLUBS_ATTRIBUTE, RF_SUPPORT_GROUP } from '../cdk/constructs/club-site.js';
import { RF_SUPPORT } from '../shared/web/grants.js';
import { flatten, synthStages } from './support/cdk-app.js';

/** The club's site as the CDK app synthesizes it (issue 16): static site, HTTP API with a Cognito authorizer, user pool. */
let test: Template;
let prod: Template;
beforeAll(() => {
  ({ test, prod } = synthStages());
});

describe("the club's site in the CDK app (issue 16)", () => {
  it('signs officials and RF support in through a user pool: no self sign-up, MFA required, clubs as an attribute, RF support as a group', () => {
    for (const t of [test, prod]) {
      t.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'ON',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Schema: Match.arrayWith([
          Match.objectLike({ Name: CLUBS_ATTRIBUTE, AttributeDataType: 'String', Mutable: true }),
        ]),
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
      });
      t.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: RF_SUPPORT_GROUP });
      t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: Match.arrayWith(['openid']),
      });
    }
    expect(RF_SUPPORT_GROUP).toBe(RF_SUPPORT);
    prod.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
  });

  it('answers /api/* only through the Cognito authorizer, with access logs and throttling', () => {
    test.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    const routes = Object.values(test.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties as { RouteKey: string; AuthorizationType: string },
    );
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['GET /api/{proxy+}', 'POST /api/{proxy+}']);
    for (const route of routes) expect(route.AuthorizationType).toBe('JWT');
    test.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('routeKey') },
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
    test.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ REGISTER_TABLE: Match.anyValue() }) },
    });
  });

  it('serves the page from a private bucket through CloudFront over HTTPS, the API under /api/* uncached, with a strict CSP', () => {
    test.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: '/api/*',
            ViewerProtocolPolicy: 'https-only',
            CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
          }),
        ],
        Logging: Match.objectLike({ Prefix: 'club-site-cdn/' }),
      }),
    });
    test.hasResourceProperties('AWS::CloudFront::OriginAccessControl', Match.anyValue());
    const policy = Object.values(test.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]!.Properties as {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } };
      };
    };
    expect(
      flatten(policy.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy),
    ).toMatch(/^default-src 'self';.*connect-src 'self' https:\/\/.*frame-ancestors 'none'/);
    test.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'club-site/' },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true }),
    });
    test.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: Match.anyValue(),
      DistributionPaths: Match.arrayWith(['/config.json']),
    });
    test.hasOutput('ClubSiteUrl', Match.anyValue());
    test.hasOutput('ClubUserPoolId', Match.anyValue());
  });
});
