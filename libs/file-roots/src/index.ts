export { FileRootError, FileRoots, type FileRootRefusal, type OpenedFile } from './file-roots';
