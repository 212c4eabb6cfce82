// API-04's negative control with /version denied to anonymous users. It declares that it disturbs anonymous
// /version (contract/touches.ts), so that no test of the run reads /version anonymously while it is denied. Live
// on clusters kube-claims made; elsewhere nothing is taken from the cluster's roles, and the check judges the
// denial a live run recorded.
import { describe, expect } from 'vitest';
import { anonymous, describeExchange, type HttpResponse } from '../../helpers/http.ts';
import { negativeControl } from '../claim.ts';
import { checkAnonymousVersion, checkPublicInfoViewer } from '../checks/apiserver/version.ts';
import { recordedAnonymousVersionDenied } from '../checks/fixtures/recorded.ts';
import { PUBLIC_INFO_VIEWER, withoutAnonymousVersion } from '../deviations/apiserver.ts';
import { expectDifference } from '../differences.ts';

const VERSION_PATH = '/version?timeout=32s';

describe('§3.1 /version for anonymous users: disruptive negative control', () => {
  negativeControl(
    'API-04',
    'anonymous GET /version denied: /version taken from the ClusterRole system:public-info-viewer',
    { madeByKubeClaims: 'live', elsewhere: 'recorded' },
    async ({ record, cluster, kube, run, apiServer }) => {
      const authenticated = await apiServer.serverVersion();
      const binding = await kube.rbac.readClusterRoleBinding({ name: PUBLIC_INFO_VIEWER });
      let denied: HttpResponse | undefined;
      let role = await kube.rbac.readClusterRole({ name: PUBLIC_INFO_VIEWER });
      if (cluster.madeByKubeClaims) {
        const status = async () => (await apiServer.get(VERSION_PATH, anonymous())).status;
        const { deniedAfterMs, windowMs } = await withoutAnonymousVersion({ kube, run }, status, async () => {
          [denied, role] = await Promise.all([
            apiServer.get(VERSION_PATH, anonymous()),
            kube.rbac.readClusterRole({ name: PUBLIC_INFO_VIEWER }),
          ]);
        });
        record(
          'staged',
          `/version and /version/ taken from ClusterRole ${PUBLIC_INFO_VIEWER}: anonymous GET /version denied ${deniedAfterMs} ms later; the rules put back and anonymous /version answered 200 again ${windowMs} ms after the change; the role is as it was`,
        );
      } else {
        // Not this run's to change: the denial recorded on a cluster kube-claims made, and a copy of this role without
        // /version.
        const recorded = recordedAnonymousVersionDenied();
        record(
          'staged',
          `the anonymous exchange recorded ${recorded.provenance}; the role: a copy of this cluster's without /version`,
        );
        denied = recorded.exchange;
        role = {
          ...role,
          rules: (role.rules ?? []).map((r) => ({
            ...r,
            nonResourceURLs: r.nonResourceURLs?.filter((u) => !u.startsWith('/version')),
          })),
        };
      }
      record(`anonymous GET ${VERSION_PATH} while denied`, describeExchange(denied!));
      record(`ClusterRole ${PUBLIC_INFO_VIEWER} while denied`, { rules: role.rules });
      const diffs = [...checkAnonymousVersion(denied!, authenticated), ...checkPublicInfoViewer(binding, role)];
      expect(expectDifference(diffs, 'http-status').actual).toBe('403 Forbidden');
      expectDifference(diffs, 'role-allows-version');
    },
    { disturbs: ['anonymous-version'] },
  );
});
