/** File selection: which tracked files of a repository become training data, and why the others do not. */
export {
  createFileFilter,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_LINE_LENGTH,
  type FileFilter,
  type FileFilterOptions,
} from "./file-filter.ts";
export { SKIP_REASONS, type Skip, type SkipReason } from "./skip-reason.ts";
