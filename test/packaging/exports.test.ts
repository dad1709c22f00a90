import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"

const root = fileURLToPath(new URL("../..", import.meta.url))

describe("package.json exports", () => {
  it("has a subpath for every public module (regenerate with npm run exports)", async () => {
    const result = await promisify(execFile)(process.execPath, ["scripts/exports.mjs", "--check"], { cwd: root }).then(
      () => "up to date",
      (error: { readonly stderr?: string }) => error.stderr ?? "failed"
    )
    expect(result).toBe("up to date")
  })
})
