// The editor's names for Kern's built-ins, keywords and types: the one table in kernels/lang/builtins.ts,
// which the checker reads too, so that what hover and completion say cannot drift from what is checked.
import { BUILTIN_LIST, KEYWORD_DOCS } from '../kernels/lang/builtins';

export {
  GEOMETRY, GEOMETRY_WITH_MEMBERS, KEYWORD_DOCS, NAMED_ARGS, STORAGE_TYPES, TYPE_DOCS, builtinSignature,
} from '../kernels/lang/builtins';
export type { BuiltinDef as BuiltinDoc, BuiltinParam } from '../kernels/lang/builtins';

export const BUILTINS = BUILTIN_LIST;
export const BUILTIN_BY_NAME = new Map(BUILTINS.map((b) => [b.name, b]));
export const KEYWORDS = Object.keys(KEYWORD_DOCS);
