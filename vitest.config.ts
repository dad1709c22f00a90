import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^effect-claude\/anthropic$/, replacement: fromRoot("./src/anthropic/index.ts") },
      { find: /^effect-claude\/mcp$/, replacement: fromRoot("./src/mcp/index.ts") },
      { find: /^effect-claude\/testing$/, replacement: fromRoot("./src/testing/index.ts") },
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
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
