export { StateFileView, StatePathError, type StateFileViewOptions, type StateReload } from './view.js';
export { parseStateText, formatOf, type StateProblem, type ParsedFile, type StateFormat } from './parse.js';
