/** Number helpers for generating values on a `multipleOf` grid within bounds. */

export const nearlyEqual = (left: number, right: number) =>
  Math.abs(left - right) <= 1e-9 * Math.max(1, Math.abs(right))

/** The smallest positive integer that is a multiple of `multipleOf` (1 without one). */
export const integerStep = (multipleOf: number | undefined): number => {
  if (multipleOf === undefined || multipleOf <= 0) return 1
  if (Number.isInteger(multipleOf)) return multipleOf
  const decimals = decimalPlaces(multipleOf)
  const scale = 10 ** decimals
  const numerator = Math.round(multipleOf * scale)
  return numerator / gcd(numerator, scale)
}

const gcd = (left: number, right: number): number => (right === 0 ? left : gcd(right, left % right))

const decimalPlaces = (value: number): number => {
  const text = String(value)
  const exponent = text.indexOf("e-")
  if (exponent >= 0) return Number(text.slice(exponent + 2)) + decimalPlaces(Number(text.slice(0, exponent)))
  const dot = text.indexOf(".")
  return dot < 0 ? 0 : text.length - dot - 1
}

/** `value` rounded to as many decimals as `step` has, so `0.1 * 3` is `0.3`. */
export const roundLike = (value: number, step: number): number => {
  const decimals = decimalPlaces(step)
  return decimals === 0 ? Math.round(value) : Number(value.toFixed(Math.min(decimals, 20)))
}

// -0 would turn into 0 through JSON; keep values equal to their JSON round trip.
export const normalize = (value: number): number => (value === 0 ? 0 : value)
