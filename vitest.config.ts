import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^effect-claude\/anthropic$/, replacement: fromRoot("./src/anthropic/index.ts") },
      { find: /^effect-claude\/mcp$/, replacement: fromRoot("./src/mcp/index.ts") },
      { find: /^effect-claude\/testing$/, replacement: fromRoot("./src/testing/index.ts") },
      { find: /^effect-claude\/durable$/, replacement: fromRoot("./src/durable/index.ts") },
      { find: /^effect-claude$/, replacement: fromRoot("./src/index.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Steps of their own in .ci/run (`npm run test:build`, `npm run bench:smoke`): slow, and the bench
    // needs its own package installed.
    exclude: ["test/build.test.ts", "test/bench.test.ts", "**/node_modules/**"],
    // The JSON report is what .ci/run reads to print its one-line summary.
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
    // One module graph per worker, not per test file: every file imports `effect`, the SDK and
    // most of src/ through vite-node, and doing that again for each of the ~100 files was most of
    // the suite's time (on a slow 2-core host: collect 210 s of a 407 s run; 132 s in all without).
    // The price is that files share module state, so a test must leave no global behind (none do:
    // servers, layers and clocks are scoped to the test).
    isolate: false,
    // The scratch folders tests make go under one folder, removed when the run ends.
    globalSetup: ["test/support/scratchRoot.ts"],
    // The recorded traffic the tests replay was made with claude-sonnet-4-5, which the SDK warns of
    // on every request since it reached end of life (2026-11-30): expected here, and only noise.
    onConsoleLog: (log) => !log.includes("is deprecated and will reach end-of-life"),
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
