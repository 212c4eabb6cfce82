// Which API server a connection through kind's load balancer reached, from serving certificates recorded on
// 2026-12-01 22:53 UTC through https://127.0.0.1:41993, the published port of kc-topo-ha-external-load-balancer
// (kind cluster kc-topo-ha: kube-claims verify --topology ha, offline image kube-claims/node:v1.33.3).
import { describe, expect, test } from 'vitest';
import { checkEveryApiServerReached, serverOf } from './load-balancer.ts';

const SANS = (node: string) => [
  node,
  'kc-topo-ha-external-load-balancer',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'localhost',
];
const CPS = ['kc-topo-ha-control-plane', 'kc-topo-ha-control-plane2', 'kc-topo-ha-control-plane3'];
// As recorded, in order (six connections while other clients of the run used the load balancer too).
const recorded = [
  'kc-topo-ha-control-plane2',
  'kc-topo-ha-control-plane',
  'kc-topo-ha-control-plane',
  'kc-topo-ha-control-plane3',
  'kc-topo-ha-control-plane2',
  'kc-topo-ha-control-plane',
].map(SANS);

describe('the endpoint in front of several API servers (API-05 on HA)', () => {
  test('a connection is told by the node its serving certificate names', () => {
    expect(serverOf(recorded[0]!, CPS)).toBe('kc-topo-ha-control-plane2');
    expect(serverOf(['kubernetes', 'localhost'], CPS)).toBeUndefined();
  });
  test('every control plane reached: nothing differs', () => {
    expect(checkEveryApiServerReached(recorded, CPS)).toEqual([]);
  });
  test('a control plane never reached is named', () => {
    const without3 = recorded.filter((names) => !names.includes('kc-topo-ha-control-plane3'));
    expect(checkEveryApiServerReached(without3, CPS)).toEqual([
      {
        check: 'server-reached',
        expected: 'kc-topo-ha-control-plane3',
        actual: 'kc-topo-ha-control-plane2, kc-topo-ha-control-plane',
        message:
          'the API server of kc-topo-ha-control-plane3 is not reached through the endpoint (5 connections reached kc-topo-ha-control-plane2, kc-topo-ha-control-plane)',
      },
    ]);
  });
});
