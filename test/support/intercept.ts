import type { PipelinePorts } from '../../shared/core/pipeline/ports.js';

/** One call to a port: which port, which method, its arguments. */
export interface PortCall {
  readonly port: 'store' | 'objects';
  readonly method: string;
  readonly args: readonly unknown[];
}

/**
 * The ports with every call to the register store and the object store going through `around`, which decides
 * when (and whether) the real call proceeds: a delay, a pause until released, a barrier, a fault.
 */
export function interceptPorts(
  ports: PipelinePorts,
  around: (call: PortCall, proceed: () => Promise<unknown>) => Promise<unknown>,
): PipelinePorts {
  const wrap = <T extends object>(target: T, port: PortCall['port']): T =>
    new Proxy(target, {
      get(object, name, receiver) {
        const value = Reflect.get(object, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const method = value as (...a: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => around({ port, method: String(name), args }, () => method.apply(object, args));
      },
    });
  return { ...ports, store: wrap(ports.store, 'store'), objects: wrap(ports.objects, 'objects') };
}

/** A gate that calls wait at until it is opened; `reached` resolves when the first call arrives. */
export function gate(): { wait: () => Promise<void>; reached: Promise<void>; open: () => void } {
  let open!: () => void;
  let arrive!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  return {
    wait: () => {
      arrive();
      return opened;
    },
    reached,
    open,
  };
}
