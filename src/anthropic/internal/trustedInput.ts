/**
 * Constructor options for Schema classes built from values already decoded (a batch result's
 * parts and usage): validating them again would re-derive the Schema's type side per value.
 * @since 0.1.0
 * @category constants
 */
export const trustedInput = { disableValidation: true } as const
