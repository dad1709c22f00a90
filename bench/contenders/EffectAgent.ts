import type { MakeContender } from "../Contender.js"

export const make: MakeContender = async () => {
  throw new Error("effect-agent contender not wired yet")
}
