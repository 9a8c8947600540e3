/** Fakes of kubelab's own interfaces for unit tests of control loops. */
export type { FakeAction, FakeApiConfig, Reactor } from './fake-api.js';
export { FakeApi } from './fake-api.js';
export { fakeContext } from './context.js';
