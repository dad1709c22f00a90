/**
 * Fast path: how an interrupted `call` aborts a request its SDK sends through the bridge, without
 * an `AbortSignal` of the call's own.
 *
 * A signal handed to the SDK costs, per request, an `AbortController` and its signal, the SDK's
 * listener on it, its `WeakMap` entry and its `FinalizationRegistry` registration; and the bridge
 * listens to the SDK's own per-request signal anyway. So the options `call` hands its function
 * make their `signal` when it is first read (a caller who passes them to the SDK, as the docs
 * show, gets a real signal, aborted on interruption as before), and, when the client's SDK sends
 * through the bridge, carry an `Interrupter`. A caller of our own (`AnthropicModel`) that reads no
 * signal passes the interrupter to the SDK as a `fetchOptions` entry instead (`interruptionOf`):
 * the SDK hands `fetchOptions` on to `fetch`, and the bridge gives the interrupter the way to
 * interrupt the request's fiber while it runs.
 */
import * as Predicate from "effect/Predicate"
import type { RequestOptions } from "./clientTypes.js"

const interrupterKey: unique symbol = Symbol.for("effect-claude/anthropic/Interrupter")

/**
 * Aborts the bridge's request of one call: the bridge attaches how while the request runs.
 * @since 0.1.0
 * @category models
 */
export class Interrupter {
  #interrupted = false
  #abort: (() => void) | undefined = undefined

  /** The bridge's request started: `abort` stops it (at once if the call was interrupted already). */
  attach(abort: () => void): void {
    if (this.#interrupted) abort()
    else this.#abort = abort
  }

  /** The bridge's request is over (its body read, or it failed). */
  detach(): void {
    this.#abort = undefined
  }

  /** The call was interrupted. */
  interrupt(): void {
    this.#interrupted = true
    const abort = this.#abort
    this.#abort = undefined
    abort?.()
  }
}

/**
 * The options `call` hands its function, and how to abort what they were handed to.
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  readonly options: RequestOptions
  readonly interrupt: () => void
}

/**
 * Options whose `signal` is made on first read; with an `Interrupter` when the SDK sends through
 * the bridge (`bridged`).
 * @since 0.1.0
 * @category constructors
 */
export const callOptions = (bridged: boolean): CallOptions => {
  let controller: AbortController | undefined
  const interrupter = bridged ? new Interrupter() : undefined
  // An own, enumerable getter: the SDK spreads the options it is given, which copies the signal.
  const options = {
    get signal(): AbortSignal {
      controller ??= new AbortController()
      return controller.signal
    },
    [interrupterKey]: interrupter
  }
  return {
    options,
    interrupt: () => {
      controller?.abort()
      interrupter?.interrupt()
    }
  }
}

/**
 * What the SDK takes as `fetchOptions`: `fetch`'s init, less what the SDK sets itself.
 * @since 0.1.0
 * @category models
 */
export type FetchOptions = Omit<RequestInit, "body" | "headers" | "method" | "signal">

/**
 * What to hand the SDK so that interrupting the call aborts its request: the interrupter as a
 * `fetchOptions` entry when `options` has one, else `options.signal`.
 * @since 0.1.0
 * @category utils
 */
export const interruptionOf = (options: RequestOptions): { signal: AbortSignal } | { fetchOptions: FetchOptions } => {
  const interrupter = Predicate.hasProperty(options, interrupterKey) ? options[interrupterKey] : undefined
  if (!(interrupter instanceof Interrupter)) return { signal: options.signal }
  const fetchOptions: FetchOptions = {}
  Object.defineProperty(fetchOptions, interrupterKey, { value: interrupter, enumerable: true })
  return { fetchOptions }
}

/**
 * The interrupter riding in a `fetch`'s init, if any.
 * @since 0.1.0
 * @category utils
 */
export const interrupterOf = (init: RequestInit | undefined): Interrupter | undefined => {
  if (init === undefined || !Predicate.hasProperty(init, interrupterKey)) return undefined
  const interrupter = init[interrupterKey]
  return interrupter instanceof Interrupter ? interrupter : undefined
}
