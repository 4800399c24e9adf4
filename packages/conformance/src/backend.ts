import { registerCpuBackend } from '@metagrad/backend-cpu';
import { backendInstance, isBackendRegistered, listBackends } from '@metagrad/core';

/** The backend that every cross-backend case compares against. */
export const REFERENCE_BACKEND = 'cpu';

/** A backend to certify: a registered name, or an object that registers it on demand. */
export type BackendSpec =
  | string
  | {
      /** The name the backend registers under. */
      readonly name: string;
      /** Registers the backend under `name`; called only when that name is not registered. */
      register(): void;
    };

/**
 * Registers the CPU reference backend and the candidate (when given as an object and not yet
 * registered) and returns the candidate's name. Throws when the candidate is not registered.
 */
export function prepareBackend(backend: BackendSpec): string {
  registerCpuBackend(REFERENCE_BACKEND);
  const name = typeof backend === 'string' ? backend : backend.name;
  if (typeof backend !== 'string' && !isBackendRegistered(name)) backend.register();
  if (!isBackendRegistered(name)) {
    throw new Error(
      `conformance: no backend named '${name}' is registered (registered: ${listBackends().join(', ')}); ` +
        `import its register entry first, e.g. import '@metagrad/backend-${name}/register'`,
    );
  }
  return name;
}

/** Whether the candidate stores float64 tensors, which adds the float64 fixture tier. */
export function supportsFloat64(name: string): boolean {
  return backendInstance(name).supportsFloat64;
}
