/** The node's container runtime emulator (see types.ts for the contract the kubelet codes against). */
export type { AppBehaviour, CatalogImage, ImageCatalog, UsageModel } from './catalog.js';
export {
  builtinImages,
  CatalogError,
  createCatalog,
  loadCatalogFile,
  nginxWelcomePage,
  parseCatalogYaml,
} from './catalog.js';
export type { ImageRef } from './image-ref.js';
export { parseImageRef } from './image-ref.js';
export type { RuntimeConfig } from './runtime.js';
export { createRuntime } from './runtime.js';
export { ContainerNotFoundError, commandLine } from './sandbox.js';
export * from './types.js';
