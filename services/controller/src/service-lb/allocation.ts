/**
 * The emulated cloud's load balancer IPs, as a pure function of the cache (the role of kube-controller-manager's
 * cloud service controller plus a provider such as MetalLB): every Service of type LoadBalancer without a
 * `loadBalancerClass` gets one ingress IP from the pool (KUBELAB_LOADBALANCER_CIDR); the IP is freed when the
 * service stops being a LoadBalancer (its status is cleared) or is deleted (it leaves the cache).
 *
 * No allocator state is persisted: who holds which IP is read back from the services' statuses each sync, plus
 * the assignments written but not yet seen in the cache. When two services claim one IP, the older one keeps it
 * and the other is given a new one. There is no external resource to clean up, so no finalizer either.
 */
import { AllocatorError, ClusterIPAllocator, type Service } from '@kubelab/api-types';

/** The default pool: KUBELAB_LOADBALANCER_CIDR of the process cluster. */
export const DEFAULT_LOADBALANCER_CIDR = '127.200.0.0/16';

/** What the controller should do with one service. */
export type LoadBalancerDecision =
  /** Status is right (or the service is not ours). */
  | { readonly action: 'none' }
  /** Write `status.loadBalancer.ingress = [{ ip }]`. */
  | { readonly action: 'assign'; readonly ip: string }
  /** Write `status.loadBalancer = {}` (the service stopped being a LoadBalancer). */
  | { readonly action: 'release' }
  /** No IP can be given; tell the user in a Warning event. */
  | { readonly action: 'fail'; readonly message: string };

/** True if this controller manages the service's load balancer. */
export function wantsLoadBalancer(svc: Service): boolean {
  return (
    svc.spec.type === 'LoadBalancer' &&
    svc.spec.loadBalancerClass === undefined &&
    svc.metadata.deletionTimestamp === undefined
  );
}

/** `namespace/name`. */
export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
}

/**
 * Which service holds each pool IP: from the statuses of LoadBalancer services (oldest first, so the older
 * service wins a duplicate), then the `pending` assignments (service key → IP) not yet in the cache.
 */
export function ingressClaims(
  services: readonly Service[],
  pool: ClusterIPAllocator,
  pending: ReadonlyMap<string, string>,
): Map<string, string> {
  const claims = new Map<string, string>();
  const ordered = services.filter(wantsLoadBalancer).sort(olderFirst);
  for (const svc of ordered) {
    const key = serviceKey(svc);
    const ip = pending.get(key) ?? svc.status?.loadBalancer?.ingress?.[0]?.ip;
    if (ip !== undefined && pool.contains(ip) && !claims.has(ip)) claims.set(ip, key);
  }
  return claims;
}

/**
 * The decision for `svc` given the `claims` of every service (from {@link ingressClaims}) in pool `cidr`.
 *
 * @example
 * const claims = ingressClaims(services, new ClusterIPAllocator(cidr, { reserveFirst: false }), pending);
 * decideLoadBalancer(svc, cidr, claims); // { action: 'assign', ip: '127.200.0.1' }
 */
export function decideLoadBalancer(
  svc: Service,
  cidr: string,
  claims: ReadonlyMap<string, string>,
): LoadBalancerDecision {
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (!wantsLoadBalancer(svc)) {
    // A class means another implementation owns the status; a deleting service needs no write.
    const ours = svc.spec.loadBalancerClass === undefined && svc.metadata.deletionTimestamp === undefined;
    return ours && ingress.length > 0 ? { action: 'release' } : { action: 'none' };
  }
  const key = serviceKey(svc);
  const pool = new ClusterIPAllocator(cidr, { reserveFirst: false });
  for (const [ip, holder] of claims) if (holder !== key) pool.allocateSpecific(ip);
  const requested = svc.spec.loadBalancerIP || undefined;
  const current = ingress.length === 1 ? ingress[0]?.ip : undefined;
  if (
    current !== undefined &&
    pool.contains(current) &&
    !pool.has(current) &&
    (requested ?? current) === current
  ) {
    return { action: 'none' };
  }
  try {
    if (requested === undefined) return { action: 'assign', ip: pool.allocate() };
    pool.allocateSpecific(requested);
    return { action: 'assign', ip: requested };
  } catch (err) {
    if (!(err instanceof AllocatorError)) throw err;
    return { action: 'fail', message: failureMessage(err, requested, cidr, claims) };
  }
}

function failureMessage(
  err: AllocatorError,
  requested: string | undefined,
  cidr: string,
  claims: ReadonlyMap<string, string>,
): string {
  switch (err.code) {
    case 'Full':
      return `no available IPs in the load balancer pool ${cidr}`;
    case 'NotInRange':
      return `requested loadBalancerIP ${requested} is not in the load balancer pool ${cidr}`;
    case 'Allocated':
      return `requested loadBalancerIP ${requested} is already allocated to service ${claims.get(requested ?? '')}`;
  }
}

/** Older services first (creationTimestamp, then namespace/name), so a duplicate claim resolves the same way everywhere. */
function olderFirst(a: Service, b: Service): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = serviceKey(a);
  const kb = serviceKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
