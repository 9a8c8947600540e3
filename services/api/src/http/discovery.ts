/**
 * Discovery: `/api` and `/apis` (aggregated `apidiscovery.k8s.io/v2` when the Accept asks for it, with the
 * exact Content-Type client-go keys on; legacy APIVersions/APIGroupList otherwise), `/api/v1`, `/apis/<g>`
 * and `/apis/<g>/<v>`. The documents come from @kubelab/api-types' registry, plus the read-only
 * `metrics.k8s.io` group (../metrics/), last as kube-apiserver lists aggregated groups.
 */
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from '@kubelab/api-types';
import type { Context, Hono } from 'hono';
import {
  METRICS_GROUP,
  METRICS_VERSION,
  metricsApiGroup,
  metricsGroupDiscovery,
  metricsResourceList,
} from '../metrics/index.js';
import { wantsAggregatedDiscovery } from './media.js';
import { jsonResponse } from './response.js';
import { httpErrors } from './status.js';

const V2BETA1_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

function aggregated(c: Context, path: 'api' | 'apis'): Response | undefined {
  const version = wantsAggregatedDiscovery(c.req.header('accept'));
  if (version === undefined) return undefined;
  const base = aggregatedDiscovery(path);
  const doc = path === 'apis' ? { ...base, items: [...base.items, metricsGroupDiscovery()] } : base;
  const body = version === 'v2' ? doc : { ...doc, apiVersion: 'apidiscovery.k8s.io/v2beta1' };
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: {
      'content-type': version === 'v2' ? AGGREGATED_DISCOVERY_CONTENT_TYPE : V2BETA1_CONTENT_TYPE,
      vary: 'Accept',
    },
  });
}

const notFound = () => jsonResponse(404, httpErrors.notFoundPath());

/** Registers the discovery routes (before the resource routes, which take every deeper path). */
export function registerDiscovery(app: Hono): void {
  app.get(
    '/api',
    (c) =>
      aggregated(c, 'api') ?? jsonResponse(200, apiVersions(c.req.header('host') ?? ''), { vary: 'Accept' }),
  );
  app.get('/apis', (c) => {
    const list = apiGroupList();
    const groups = { ...list, groups: [...list.groups, metricsApiGroup()] };
    return aggregated(c, 'apis') ?? jsonResponse(200, groups, { vary: 'Accept' });
  });
  app.get('/api/:version', (c) => {
    const list = apiResourceList('', c.req.param('version'));
    return list ? jsonResponse(200, list) : notFound();
  });
  app.get('/apis/:group', (c) => {
    const name = c.req.param('group');
    const group =
      name === METRICS_GROUP ? { kind: 'APIGroup', apiVersion: 'v1', ...metricsApiGroup() } : apiGroup(name);
    return group ? jsonResponse(200, group) : notFound();
  });
  app.get('/apis/:group/:version', (c) => {
    const [group, version] = [c.req.param('group'), c.req.param('version')];
    const metrics = group === METRICS_GROUP && version === METRICS_VERSION;
    const list = metrics ? metricsResourceList() : apiResourceList(group, version);
    return list ? jsonResponse(200, list) : notFound();
  });
}
