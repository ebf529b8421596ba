import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'test/**/*.test.ts', 'functions/**/*.test.ts', 'cdk/**/*.test.ts'],
    testTimeout: 30_000,
    // This machine runs Node 20 (the Lambda runtime is Node 22): the SDK's notice about Node 20 is only noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
  },
});
