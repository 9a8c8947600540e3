/** The pod network as the shell and the image programs see it. */

/** The pod's network namespace: its IP, its port space, its DNS configuration. */
export interface NetContext {
  readonly podIP: string;
  readonly dns?: {
    readonly nameserver: string;
    readonly port?: number;
    readonly searches: readonly string[];
  };
  /** Claims `port` in the pod for `owner`; false when another server of the pod holds it. */
  claimPort(port: number, owner: string): boolean;
  releasePort(port: number, owner: string): void;
  /** Registers a socket-holding resource the sandbox closes on destroy; returns the unregister function. */
  track(close: () => Promise<void>): () => void;
}

/** Inside a pod, `localhost` is the pod's own network namespace: its IP. */
export function podLocalAddress(net: NetContext, host: string): string {
  return host === 'localhost' || host === '127.0.0.1' || host === '0.0.0.0' || host === '::1'
    ? net.podIP
    : host;
}
