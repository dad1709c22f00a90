/**
 * vitest's global setup: one folder under the system's temporary folder for every scratch folder the
 * tests make (`scratchFolder`), removed with all it holds when the run ends, so runs leave nothing
 * behind in the temporary folder.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    readonly scratchRoot: string
  }
}

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), "effect-claude-tests-"))
  project.provide("scratchRoot", root)
  return () => rmSync(root, { recursive: true, force: true })
}
