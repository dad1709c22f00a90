/**
 * Whether a Schema decodes without effects: only structs, tuples, unions, refinements and
 * primitives, no transformation, declaration (class), recursion or decoding fallback. Such a Schema
 * is decoded with `decodeUnknownEither`, cheaper per call than the Effect decoder and
 * the same result, where a transformation's effect would run detached from the caller's services.
 * `Tool.make` decodes every call's arguments this way when it can. Listed in `src/PERFORMANCE.md`.
 */
import * as Option from "effect/Option"
import * as SchemaAST from "effect/SchemaAST"

/** Whether `ast` decodes without effects (conservatively: false when unsure). */
export const isPlain = (ast: SchemaAST.AST): boolean => {
  if (Option.isSome(SchemaAST.getDecodingFallbackAnnotation(ast))) return false
  switch (ast._tag) {
    case "Declaration":
    case "Transformation":
    case "Suspend":
      return false
    case "Refinement":
      return isPlain(ast.from)
    case "Union":
      return ast.types.every(isPlain)
    case "TupleType":
      return ast.elements.every((element) => isPlain(element.type)) && ast.rest.every((rest) => isPlain(rest.type))
    case "TypeLiteral":
      return (
        ast.propertySignatures.every((signature) => isPlain(signature.type)) &&
        ast.indexSignatures.every((signature) => isPlain(signature.parameter) && isPlain(signature.type))
      )
    default:
      return true
  }
}
