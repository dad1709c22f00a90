/** Runs `node --trace-gc-nvp` on a script and sums the bytes its scavenges promoted. */
import { spawnSync } from "node:child_process"

/** The megabytes the scavenges of `node [nodeFlags] --trace-gc-nvp script [args]` promoted, and their count. */
export const promotedMegabytes = (script, args, nodeFlags = []) => {
  const child = spawnSync(process.execPath, [...nodeFlags, "--trace-gc-nvp", script, ...args], { encoding: "utf8" })
  if (child.status !== 0) throw new Error(child.stderr)
  let promoted = 0
  let scavenges = 0
  for (const match of child.stdout.matchAll(/gc=s .*?promoted=(\d+)/g)) {
    promoted += Number(match[1])
    scavenges++
  }
  return { promoted: promoted / 1048576, scavenges }
}
