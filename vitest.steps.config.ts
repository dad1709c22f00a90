import { defineConfig } from "vitest/config"
import base from "./vitest.config.js"

// The slow checks .ci/run runs as steps of their own (the build test, the bench smoke): `npm test`
// leaves them out. No JSON report here, so the unit suite's report is the one .ci/run reads.
export default defineConfig({
  resolve: base.resolve ?? {},
  test: {
    include: ["test/build.test.ts", "test/bench.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
