export { objectStorageProvider, createObjectStorageProvider, bucketNameFor } from "./provider.js";
export type { ObjectStorageProviderOptions } from "./provider.js";
export { OBJECTS_FORMAT } from "./artifact-format.js";
