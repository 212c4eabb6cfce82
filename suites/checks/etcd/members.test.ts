// ETCD-02's member list on a highly available control plane, judged on a recording from a real run
// (suites/checks/fixtures/member-list-ha.txt says where and when); the live claim runs on every topology.
import { describe, expect, test } from 'vitest';
import { recordedText } from '../fixtures/recorded.ts';
import { checkMemberList } from './members.ts';

const [table, json] = recordedText('member-list-ha.txt').value.split('\n---\n') as [string, string];
const controlPlanes = [
  { name: 'kc-topo-ha-control-plane', ip: '172.18.0.18' },
  { name: 'kc-topo-ha-control-plane2', ip: '172.18.0.13' },
  { name: 'kc-topo-ha-control-plane3', ip: '172.18.0.14' },
];

describe('etcdctl member list of stacked etcd (ETCD-02)', () => {
  test('one started member per control-plane node, named after it, with its URLs, in any order', () => {
    expect(checkMemberList(table, json, controlPlanes)).toEqual([]);
  });
  test('a control plane without its member, or a member of no control plane, is named', () => {
    expect(checkMemberList(table, json, controlPlanes.slice(0, 2))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'member-count', expected: '2', actual: '3' }),
        expect.objectContaining({
          check: 'member-name',
          actual: expect.stringMatching(/^kc-topo-ha-control-plane3 \(peer /),
        }),
      ]),
    );
    expect(
      checkMemberList(table, json, [...controlPlanes, { name: 'kc-topo-ha-control-plane4', ip: '172.18.0.19' }]),
    ).toEqual(
      expect.arrayContaining([
        {
          check: 'member-present',
          expected: 'kc-topo-ha-control-plane4',
          actual: 'absent',
          message: 'no member named after the node kc-topo-ha-control-plane4',
        },
      ]),
    );
  });
  test("a member whose URLs are another node's is named", () => {
    const swapped = controlPlanes.map((c, i) => ({ ...c, ip: controlPlanes[(i + 1) % 3]!.ip }));
    expect(checkMemberList(table, json, swapped)).toEqual(
      expect.arrayContaining([
        {
          check: 'peer-url',
          expected: 'https://172.18.0.13:2380',
          actual: 'https://172.18.0.18:2380',
          message: 'kc-topo-ha-control-plane: peer URL is https://172.18.0.18:2380, not https://172.18.0.13:2380',
        },
      ]),
    );
  });
});
