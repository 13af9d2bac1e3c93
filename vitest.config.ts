import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // deploy/test: the CDK app's tests, which resolve aws-cdk-lib from deploy/node_modules.
    include: ['test/**/*.test.ts', 'deploy/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
})
