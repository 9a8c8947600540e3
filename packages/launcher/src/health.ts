/** Asks kubelab services for their health over the bus (readiness at start-up; READY/LEADER in status). */
import { type HealthReport, connectBus, endpoints } from '@kubelab/bus';
import { silentLogger } from '@kubelab/telemetry';

export interface HealthClient {
  /** The process' health report, or undefined if it did not answer in time. */
  check(p: { role: string; name: string }, signal: AbortSignal): Promise<HealthReport | undefined>;
  close(): Promise<void>;
}

export async function connectHealthClient(natsUrl: string): Promise<HealthClient> {
  const bus = await connectBus({
    servers: natsUrl,
    name: `kubelab-cli-${process.pid}`,
    logger: silentLogger(),
  });
  return {
    async check(p, signal) {
      if (signal.aborted) return undefined;
      try {
        return await bus.request(endpoints.health(p.role, p.name), undefined, { timeoutMs: 1000 });
      } catch {
        return undefined;
      }
    },
    close: () => bus.close(),
  };
}
