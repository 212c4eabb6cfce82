// The one catalogue of claims: suites register tests by these IDs, reports render from them.
// Each entry: what the article claims (title), where (section), what is checked, and what to do when it fails.

import type { ClusterState } from './touches.ts';

export type ClaimGroup = 'components' | 'apiserver' | 'etcd';

export interface Claim {
  id: string;
  group: ClaimGroup;
  /** Section of the article the claim comes from. */
  section: string;
  title: string;
  /** What the test does to judge the claim. */
  checks: string;
  /** What it means when the claim fails, and where to look. */
  remediation: string;
  /** Needs a shell on a control-plane node (crictl, /etc/kubernetes). */
  needsNode?: boolean;
  /**
   * The cluster state its check reads that a disruptive control of the run disturbs (contract/touches.ts): the
   * run's scheduler starts the claim's tests only while no such control runs.
   */
  reads?: readonly ClusterState[];
}

export const GROUPS: Record<ClaimGroup, { section: string; title: string }> = {
  components: { section: '§2', title: 'Containers and pods of the cluster' },
  apiserver: {
    section: '§3',
    title: 'kube-apiserver: kubectl -v 8, /version, admin.conf, anonymous access, kubectl proxy',
  },
  etcd: { section: '§4', title: 'etcd: etcdctl with mTLS, key operations, the /registry layout' },
};

const claims = [
  // §2 — the containers and pods of the cluster
  {
    id: 'COMP-01',
    reads: ['static-pods', 'coredns'],
    group: 'components',
    section: '§2',
    needsNode: true,
    title: 'crictl ps on the control-plane node lists the control-plane containers running',
    checks:
      "crictl ps -o json on each control-plane node (the article's one node; every one of an HA control plane): kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kube-proxy containers in state Running, in pods named after that node, and as many coredns containers as the API says coredns pods are scheduled there (both, on a cluster of one node).",
    remediation:
      'A missing container means its static pod manifest (/etc/kubernetes/manifests) or its Deployment/DaemonSet failed; see `crictl ps -a` and `journalctl -u kubelet` on the node.',
  },
  {
    id: 'COMP-02',
    reads: ['static-pods', 'coredns'],
    group: 'components',
    section: '§2',
    title: 'kubectl get pod -A shows the kube-system pods Running and Ready, static pods named COMPONENT-NODE',
    checks:
      "kubectl get pod -A (and --all-namespaces, and -n kube-system) -o json; the same list through @kubernetes/client-node; pods that existed from the first listing to the last must be in each. Expected from the cluster's objects: the static pods COMPONENT-NODE of every control-plane node, exactly one Ready kube-proxy on every node, and as many Ready coredns pods as the coredns Deployment asks, which must be kubeadm's two (coreDNSReplicas in kubeadm's dns.go).",
    remediation:
      'Inspect the pod with `kubectl -n kube-system describe pod NAME`; static pods are named after the node that runs them.',
  },
  {
    id: 'COMP-03',
    group: 'components',
    section: '§2',
    title: 'kubectl get pod without -n lists only the default namespace',
    checks:
      "Every pod listed by `kubectl get pod` is in the namespace of the kubeconfig's context (default when it names none, as in the article; read from the kubeconfig itself), it matches the API list of that namespace, and it includes the run's redis pods where the run put them there (default, on clusters kube-claims made). Negative control: kubectl given a copy of the kubeconfig whose context names another namespace.",
    remediation:
      'A kubeconfig context with another namespace changes the default; check `kubectl config view --minify`.',
  },
  {
    id: 'COMP-04',
    group: 'components',
    section: '§2',
    title: 'The namespaces default, kube-node-lease, kube-public and kube-system exist and are Active',
    checks: 'kubectl get namespaces -o json and CoreV1Api.listNamespace: each of the four has status.phase Active.',
    remediation:
      'These namespaces are created by the API server itself; a missing one points at a broken control plane.',
  },
  {
    id: 'COMP-05',
    group: 'components',
    section: '§2',
    title:
      'A redis StatefulSet of 3 replicas gives its ordinal pods NAME-0, NAME-1 and NAME-2 Running, each answering PING with PONG',
    checks:
      "The run applies StatefulSet kc-redis-HASH (3 replicas) before the claims: in namespace default, as in the article, on clusters kube-claims made, and in the run's own namespace on others; the claim watches the three ordinal pods come up (within the run's settle time) and runs redis-cli PING in each (pods/exec). The redis image is one the node's runtime holds (`crictl images` on the node; kube-claims loads its own into its kind clusters), else redis:7.",
    remediation: 'Check the StatefulSet events and the image (`crictl images` on the node).',
  },
  // §3 — kube-apiserver
  {
    id: 'API-01',
    group: 'apiserver',
    section: '§3.1',
    title: 'kubectl version -v 8 logs the loaded kubeconfig, the GET /version request and its 200 response headers',
    checks:
      'Parses the klog output of kubectl version -v 8: "Config loaded from file:" naming the file client-go\'s loading rules give (--kubeconfig, else KUBECONFIG, else ~/.kube/config), which names the server requested, GET SERVER/version?timeout=32s (SERVER from the kubeconfig) with Accept "application/json, */*" and User-Agent kubectl/VERSION (OS/ARCH) kubernetes/COMMIT7 composed as client-go composes it from the release kubectl was built for, this host\'s platform and the line\'s release commit (kubectl is kube-claims\' build, stamped from contract/lines.ts: the evidence says so), a "200 OK" with a UUID Audit-Id, Cache-Control "no-cache, private", Content-Type application/json and X-Kubernetes-Pf-Flowschema-Uid / -Prioritylevel-Uid naming a FlowSchema and a PriorityLevelConfiguration of the cluster; the logged body equals the server\'s /version.',
    remediation:
      'kubectl logs HTTP exchanges at -v 6 and above; a missing APF header means API Priority and Fairness is disabled.',
  },
  {
    id: 'API-02',
    group: 'apiserver',
    section: '§3.1',
    title: 'kubectl version prints Client Version, Kustomize Version and Server Version',
    checks:
      "The three lines and no others; Server Version equals the version the run asked for (the line's release, the upstream image's release, or --kubernetes with an existing cluster; else kubeadm-config's kubernetesVersion), never the server's own answer; Client Version the release kube-claims built kubectl for (the version asked for, else the server's line profile); Kustomize Version the sigs.k8s.io/kustomize/kustomize module that k8s.io/kubectl's go.mod of that release requires (Go module proxy).",
    remediation: 'A client/server skew is allowed by Kubernetes but is not what the article shows.',
  },
  {
    id: 'API-03',
    group: 'apiserver',
    section: '§3.1',
    title: 'The /version body has the release fields, consistent with one another and with the server version',
    checks:
      "major, minor, gitVersion, gitCommit, gitTreeState, buildDate, goVersion, compiler, platform, and from 1.33 emulationMajor/Minor and minCompatibilityMajor/Minor, all strings; gitVersion is the version the run asked for and major/minor match it (not the body's own gitVersion), emulation is the API server's --emulated-version (from its static pod's command line), else the binary version, minCompatibility its --min-compatibility-version, else one minor below the emulation, gitCommit the release commit of contract/lines.ts where kube-claims has one (with its source; on the offline build, stamped from the same table, which the evidence says), else 40 hex digits (or, for a source-archive build that states none, empty with gitTreeState archive), gitTreeState clean (or archive), buildDate RFC 3339 UTC, goVersion goX.Y, compiler gc, platform the node's OS/ARCH; @kubernetes/client-node VersionApi.getCode() returns the same fields.",
    remediation: 'Fields missing or inconsistent point at a binary built without the version ldflags.',
  },
  {
    id: 'API-04',
    reads: ['anonymous-version'],
    group: 'apiserver',
    section: '§3.1',
    title: 'Anonymous GET /version (as curl -k) returns 200 and the same body, granted by system:public-info-viewer',
    checks:
      'HTTPS GET /version?timeout=32s without credentials or certificate check: 200 and a body equal, field by field, to the authenticated /version; through RbacAuthorizationV1Api, the ClusterRoleBinding system:public-info-viewer binds group system:unauthenticated to ClusterRole system:public-info-viewer, which allows get on the non-resource URL /version.',
    remediation: 'Anonymous auth (--anonymous-auth) or the public-info-viewer binding was changed.',
  },
  {
    id: 'API-05',
    group: 'apiserver',
    section: '§3.2',
    needsNode: true,
    title:
      '/etc/kubernetes/admin.conf is a kubeconfig for kubernetes-admin@CLUSTER (kubernetes unless renamed) with server https://…:6443',
    checks:
      "Parses the file on the node: apiVersion v1, kind Config, preferences, one cluster, context and user; the cluster named after ClusterConfiguration.clusterName (kubeadm's default \"kubernetes\", as in the article; kind names it after the kind cluster), user kubernetes-admin, context and current-context kubernetes-admin@CLUSTER, server https://controlPlaneEndpoint (else the node's InternalIP) on that endpoint's port (else kube-apiserver's --secure-port, 6443 by default), its host resolving on the node to the control-plane node's own address with one control plane, and to kind's load balancer (else to an address that is no node's) with several; @kubernetes/client-node loads it to the same structure; kubectl on the node with KUBECONFIG=/etc/kubernetes/admin.conf logs \"Config loaded from file:  /etc/kubernetes/admin.conf\" and a 200 from that server.",
    remediation:
      'kubeadm writes admin.conf at init; kubeadm init phase kubeconfig admin regenerates it. The cluster name comes from kubeadm-config (kube-system ConfigMap).',
  },
  {
    id: 'API-06',
    group: 'apiserver',
    section: '§3.2',
    needsNode: true,
    title: 'admin.conf carries a base64 CA, client certificate and key that parse, the key matching the certificate',
    checks:
      "Decodes certificate-authority-data, client-certificate-data and client-key-data with node:crypto (no key material leaves memory): the CA is a CA certificate equal to /etc/kubernetes/pki/ca.crt, the client certificate is signed by it and valid now, its public key equals the key's, its subject is as kubeadm issues it (CN kubernetes-admin, O kubeadm:cluster-admins from kubeadm 1.29, system:masters before).",
    remediation: 'Renew with `kubeadm certs renew admin.conf`.',
  },
  {
    id: 'API-07',
    group: 'apiserver',
    section: '§3.2',
    needsNode: true,
    title:
      '/etc/kubernetes holds admin.conf, controller-manager.conf, kubelet.conf, scheduler.conf, super-admin.conf (0600), manifests/ and pki/',
    checks:
      'stat on each control-plane node: the kubeconfigs are regular files of mode 600 with the kubeconfig structure (apiVersion v1, kind Config, one cluster, context and user, the current context resolving); manifests/ and pki/ are directories. super-admin.conf is on the node that ran kubeadm init only (kubeadm join --control-plane writes the other four): on kind, NAME-control-plane; on a cluster of several control planes kube-claims did not make, on exactly one of them.',
    remediation: 'kubeadm init phase kubeconfig all writes the files; looser modes leak cluster credentials.',
  },
  {
    id: 'API-12',
    group: 'apiserver',
    section: '§3.3',
    title: 'kubectl get pods -v 8 requests GET SERVER/api/v1/namespaces/default/pods?limit=500',
    checks:
      "The klog output of kubectl get pods -v 8: exactly one pod list request, verb GET, URL the kubeconfig's server followed by /api/v1/namespaces/default/pods?limit=N, N kubectl get's default chunk size from k8s.io/kubectl's source of its release (DefaultChunkSize, 500 in the article's v1.33), answered 200 OK. The other §3.3 claims request the path observed here, not a path written into kube-claims.",
    remediation: 'A context namespace other than default, or a --chunk-size, changes the request.',
  },
  {
    id: 'API-13',
    group: 'apiserver',
    section: '§3',
    title:
      'Verbosity: -v 6 logs the URL, status and time of each request; -v 8 adds the headers and the (truncated) bodies',
    checks:
      'kubectl get pods -A at -v 6: every request is logged with verb, URL, status and milliseconds, and no request or response header and no body is logged; at -v 8: request and response headers and the response body, a body longer than client-go\'s -v 8 limit (1024 characters, rest/request.go truncateBody) cut there with " [truncated N chars]".',
    remediation: "kubectl logs HTTP exchanges through client-go's round trippers; the levels are client-go's.",
  },
  {
    id: 'API-14',
    group: 'apiserver',
    section: '§3.1',
    title: 'kubectl -v 8 logs a "Feature gate default state" line for each client-go feature gate, with its default',
    checks:
      'The "Feature gate default state" lines of kubectl version -v 8 name exactly the feature gates of client-go of the cluster\'s version (features/known_features.go from the k8s.io/client-go module, fetched from the Go module proxy), each with enabled equal to its default there (the latest spec of a versioned gate).',
    remediation:
      'KUBE_FEATURE_<gate> in kubectl\'s environment changes a gate; kubectl then logs "Feature gate updated state" for it.',
  },
  {
    id: 'API-15',
    group: 'apiserver',
    section: '§3.2',
    needsNode: true,
    title:
      'The source behind the logs and admin.conf: each file:line kubectl logs is its logging statement; LoadFromFile and the Config struct match admin.conf and its neighbours',
    checks:
      "For every klog file:line of kubectl version -v 8, kubectl get pods -v 8 and kubectl proxy -v 8, the file in the client-go (or apimachinery, kubectl, cli-runtime, component-base) module of the cluster's version has, at that line, the statement that logs that message; tools/clientcmd/loader.go defines func LoadFromFile; the json tags of clientcmd/api/v1 Config cover every top-level key of admin.conf, and kubelet.conf, controller-manager.conf and scheduler.conf have the same structure (keys within Config's tags, one cluster, context and user). A cluster whose modules cannot be fetched is skipped with that reason.",
    remediation: 'A kubectl built from other sources than its release logs other lines.',
  },
  {
    id: 'API-08',
    group: 'apiserver',
    section: '§3.3',
    title: "Anonymous GET /api/v1/namespaces/default/pods?limit=500 returns 403 with the article's Status body",
    checks:
      'HTTPS GET without credentials or certificate check: HTTP 403, Content-Type application/json, and a body equal to kind Status, apiVersion v1, metadata {}, status Failure, message \'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"\', reason Forbidden, details.kind pods, code 403, fields in that order. The namespace is the one kubectl get pods requests: the kubeconfig context\'s (default when it names none, as in the article).',
    remediation:
      'A 200 means anonymous users were granted list on pods (look for bindings to system:anonymous or system:unauthenticated).',
  },
  {
    id: 'API-09',
    group: 'apiserver',
    section: '§3.3',
    title: 'With the admin credentials the same request returns 200 and a PodList',
    checks:
      "The same GET as the kubeconfig's user, with its credentials of whatever kind (client certificate, bearer token or tokenFile, exec plugin, auth-provider, with the impersonation it asks for), the server verified by its CA: 200, application/json, kind PodList, apiVersion v1, a numeric metadata.resourceVersion, items of namespace default only (the kubeconfig context's namespace where it names another). On the clusters kube-claims makes these are kind's admin credentials; elsewhere the kubeconfig's, and the evidence names their kind (never the secret). A user without credentials, or with basic auth only, leaves it unchecked.",
    remediation:
      'The credentials are not accepted: check certificate or token expiry, the exec plugin, and the binding that grants list on pods.',
  },
  {
    id: 'API-10',
    group: 'apiserver',
    section: '§3.3',
    title: 'kubectl proxy prints "Starting to serve on 127.0.0.1:PORT" and serves the pod list over plain HTTP',
    checks:
      'Starts kubectl proxy -v 6 on a free port: it logs "Config loaded from file:" with the run\'s kubeconfig and prints exactly "Starting to serve on 127.0.0.1:PORT"; GET http://127.0.0.1:PORT/api/v1/namespaces/default/pods?limit=500 without credentials returns the PodList of API-09.',
    remediation: 'kubectl proxy authenticates with the kubeconfig; failures there show in its -v 8 log.',
  },
  {
    id: 'API-11',
    group: 'apiserver',
    section: '§3.3',
    title: 'kubectl proxy listens on loopback only: the same port on another address is refused',
    checks:
      "While 127.0.0.1:PORT accepts, TCP connections to the same port on 127.0.0.2 and on the Docker bridge gateways of the kind node's network (IPv4 and IPv6, when they are addresses of this host) are refused (ECONNREFUSED).",
    remediation: 'kubectl proxy --address 0.0.0.0 would expose unauthenticated admin access.',
  },
  {
    id: 'API-16',
    group: 'apiserver',
    section: '§3.3',
    title: 'kubectl proxy serves on 127.0.0.1:8001 by default and refuses a request whose Host is not local',
    checks:
      'With 127.0.0.1:8001 free, kubectl proxy without --port prints "Starting to serve on 127.0.0.1:8001" and answers there; a request to it with the Host header of another host (kube-claims.invalid) is refused with 403 by the proxy\'s host filter (--accept-hosts), while the same request with Host 127.0.0.1:8001 is answered 200.',
    remediation:
      "kubectl proxy --accept-hosts='.*' (or --disable-filter) lets any page the browser opens use the admin's credentials (DNS rebinding).",
  },
  // §4 — etcd
  {
    id: 'ETCD-01',
    reads: ['static-pods'],
    group: 'etcd',
    section: '§4',
    needsNode: true,
    title:
      'Only kube-apiserver talks to etcd: kube-controller-manager, kube-scheduler and kubelet reach the API server instead',
    checks:
      "On every control-plane node (each runs its own API server and etcd member): static pod specs through the API: kube-apiserver has --etcd-servers (https, on one of etcd's client ports), --etcd-cafile, --etcd-certfile, --etcd-keyfile; kube-controller-manager, kube-scheduler and the kubelet (its command line on the node) have no --etcd* flag and a --kubeconfig whose server (read on the node, credentials never leave it) is the API server's https://ADVERTISE-ADDRESS:SECURE-PORT (or kubeadm-config's controlPlaneEndpoint, which joined nodes' kubelets use), not etcd. On the node (/proc/net/tcp and the processes' sockets): kube-apiserver holds connections to etcd's client port and no other process does, save etcd itself (its gRPC gateway), the container runtime relaying a pods/portforward (authorized by the API server) and etcdctl that this run started (marked in its environment).",
    remediation: 'Another component with etcd credentials bypasses API authorization and admission.',
  },
  {
    id: 'ETCD-02',
    group: 'etcd',
    section: '§4.1',
    title: 'sh in the etcd pod works and etcdctl member list shows one started member named after the node',
    checks:
      "Through pods/exec: sh -c 'echo $0' prints sh; etcdctl member list (table and -w json) with --endpoints=https://127.0.0.1:2379 and --cacert/--cert/--key under /etc/kubernetes/pki/etcd: one member per control-plane node (exactly one on the article's cluster; stacked etcd on HA), each started, named after its node, peer URL https://NODE-IP:2380, client URL https://NODE-IP:2379, not a learner, the same ID in both forms.",
    remediation:
      "The etcd image needs a shell; member state comes from etcd's --name and --initial-advertise-peer-urls.",
  },
  {
    id: 'ETCD-15',
    group: 'etcd',
    section: '§4.1',
    title: 'The etcd pod has sh and no bash; its sh is bash in POSIX mode, whose prompt reads sh-MAJOR.MINOR#',
    checks:
      "Through pods/exec: sh -c 'echo $BASH_VERSION' prints a bash version; `command -v bash` finds nothing and `bash` cannot be executed; sh -ic prints its default prompt ${PS1@P}, which is bash's documented default \\s-\\v\\$ expanded for sh, the MAJOR.MINOR stamped in the image's /bin/sh (read as a file) and the effective uid of /proc/self/status (the article's sh-5.2#); $BASH_VERSION agrees with the stamp. Upstream's etcd image copies Debian's bash-static to /bin/sh.",
    remediation: 'An etcd image from another source may ship another shell, or none (then kubectl exec -- sh fails).',
  },
  {
    id: 'ETCD-03',
    group: 'etcd',
    section: '§4.1',
    needsNode: true,
    title: 'etcdctl version reports the etcd release kubeadm installs, API version MAJOR.MINOR',
    checks:
      'etcdctl version in the pod: "etcdctl version" equals the release of the etcd pod\'s image tag (3.5.21-0 → 3.5.21), "API version" its MAJOR.MINOR; etcdctl endpoint status -w json reports the same server version; the pod\'s image is the one `kubeadm config images list` names for the server\'s Kubernetes version.',
    remediation: "An etcd image that differs from kubeadm's constant was configured.",
  },
  {
    id: 'ETCD-04',
    group: 'etcd',
    section: '§4.1',
    title: 'The ETCDCTL_* environment variables replace the command-line flags',
    checks:
      'With ETCDCTL_API, ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY exported in sh, a bare `etcdctl member list` exits 0 with the same output as with the flags, and etcdctl warns about no unrecognized variable.',
    remediation: 'etcdctl reads ETCDCTL_<FLAG> for each flag.',
  },
  {
    id: 'ETCD-05',
    group: 'etcd',
    section: '§4.1',
    needsNode: true,
    title: 'etcd enforces strict security: no client certificate, plain http, or the default endpoint are refused',
    checks:
      'In the pod, etcdctl member list with TLS but without --cert/--key, with http://127.0.0.1:2379, and with no endpoint flag at all (the default http://127.0.0.1:2379): each fails with a refused connection and returns no data; the etcd3 client through a port-forward fails without a client certificate and over plain http. Each refusal is judged beside a probe with the right certificates made at the same moment, which must succeed: an etcd that cannot be reached refuses nothing. The same probes against an etcd container started with plain http and no client-cert-auth are accepted (negative control).',
    remediation: 'etcd must run with --client-cert-auth=true and https client URLs only.',
  },
  {
    id: 'ETCD-06',
    group: 'etcd',
    section: '§4.2',
    needsNode: true,
    title: 'put gives OK, get gives key and value, del gives 1, get after del gives nothing',
    checks:
      "etcdctl in the pod with the ETCDCTL_* variables exported, on a key under /kube-claims/RUN-ID/: put prints OK, get prints the key and value lines, del prints 1, get after del prints nothing; the same sequence through etcd3 from the test process over mTLS (port-forward, the API server's etcd client certificate); and, the store being one across its members, a key put through this pod is read with its value through every control-plane node's etcd pod at its own local client URL.",
    remediation: 'Write failures point at a full or read-only etcd (alarm list).',
  },
  {
    id: 'ETCD-07',
    group: 'etcd',
    section: '§4.2',
    needsNode: true,
    title: 'etcdctl watch prints PUT, key and value when another client puts',
    checks:
      'etcdctl watch KEY left running in the pod while another exec puts KEY ttt: it prints PUT, KEY, ttt; once stopped, no process of it is left in the etcd container; an etcd3 watcher sees a put the same way.',
    remediation: "Watch relies on the same gRPC stream the API server's informers use.",
  },
  {
    id: 'ETCD-08',
    group: 'etcd',
    section: '§4.2',
    needsNode: true,
    title: 'A lease expires its keys',
    checks:
      'lease grant 3 prints "lease ID granted with TTL(3s)", put --lease=ID; the key is there, then gone after about the TTL (polled until TTL+5s); the same with an etcd3 lease without keep-alive.',
    remediation: "Leases back the API server's Events TTL and leader election.",
  },
  {
    id: 'ETCD-09',
    group: 'etcd',
    section: '§4.2',
    needsNode: true,
    title: 'A lock is exclusive',
    checks:
      "etcdctl lock NAME holds the lock (prints NAME/LEASE); a second etcdctl lock NAME does not get it within 3s; after the holder ends, a contender gets it. etcd3's Lock (its own scheme: a key NAME under a lease) refuses a second acquire while held and grants it after release.",
    remediation: "etcd's lock is built on leases and revisions; a lock that two hold at once means a broken etcd.",
  },
  {
    id: 'ETCD-10',
    group: 'etcd',
    section: '§4.3',
    title: 'Keys under /registry follow /registry/RESOURCE/NAMESPACE/NAME',
    checks:
      "etcdctl get \"\" --prefix --keys-only (every key of the etcd, but kube-claims runs' own under /kube-claims/): every key starts with /registry/ except the API server's own compaction marker (compactRevKey in k8s.io/apiserver's pkg/storage/etcd3/compact.go of the server's version); for each resource the API serves (scope from the API's discovery, as kubectl api-resources reads it), keys are /registry/[GROUP/]RESOURCE/NAMESPACE/NAME when namespaced and /registry/[GROUP/]RESOURCE/NAME when not (Nodes are stored as minions, Services and Endpoints under services/specs and services/endpoints).",
    remediation: "The API server's --etcd-prefix changes the root.",
  },
  {
    id: 'ETCD-11',
    group: 'etcd',
    section: '§4.3',
    title: 'The four namespaces are under /registry/namespaces',
    checks:
      "etcdctl get /registry/namespaces/ --prefix --keys-only, at the revision the API's namespace list was served at, lists exactly the namespaces the API lists, the four of the article among them.",
    remediation:
      'A namespace key without an API object (or the reverse) means the API server reads another etcd or prefix.',
  },
  {
    id: 'ETCD-12',
    reads: ['static-pods', 'coredns'],
    group: 'etcd',
    section: '§4.3',
    title: 'Every pod the API lists has /registry/pods/NS/NAME and no pod key lacks a pod',
    checks:
      "The keys under /registry/pods/, at the revision of the API's list of pods in all namespaces, equal NAMESPACE/NAME of those pods, both ways.",
    remediation: 'See ETCD-11.',
  },
  {
    id: 'ETCD-13',
    group: 'etcd',
    section: '§4.3',
    title: 'apiservices live under /registry/apiregistration.k8s.io/apiservices/',
    checks:
      "The keys there, at the revision of kubectl's APIService list, equal the APIService objects (apiregistration.k8s.io/v1), v1. among them.",
    remediation: 'See ETCD-11.',
  },
  {
    id: 'ETCD-14',
    group: 'etcd',
    section: '§4.3',
    needsNode: true,
    title: 'Values are protobuf in the "k8s\\0" envelope and agree with what the API returns',
    checks:
      "Reads /registry/namespaces/kube-system and /registry/pods/kube-system/etcd-NODE as bytes through etcd3: the k8s\\0 magic, apiVersion and kind decoded from the runtime.Unknown envelope, and the name, namespace and uid of the ObjectMeta inside its raw bytes equal the API object's.",
    remediation:
      'JSON values mean --storage-media-type was changed; encrypted values start with k8s:enc: (encryption at rest).',
  },
  {
    id: 'ETCD-16',
    group: 'etcd',
    section: '§4.3',
    needsNode: true,
    title: 'Stored protobuf values are more compact than the same objects as JSON',
    checks:
      'For every pod, namespace and service of the cluster: the size of its value under /registry (etcd3 over mTLS) against the size of the same object as the API serves it in JSON (compact, resourceVersion aligned): each stored value is smaller, and the totals are in the evidence.',
    remediation:
      'A value as large as its JSON is stored as JSON (custom resources always are; --storage-media-type for built-in types).',
  },
] as const satisfies readonly Claim[];

export type ClaimId = (typeof claims)[number]['id'];

export const CATALOGUE: readonly Claim[] = claims;

const byId = new Map<string, Claim>(CATALOGUE.map((c) => [c.id, c]));

export function claimById(id: string): Claim {
  const claim = byId.get(id);
  if (!claim) throw new Error(`no claim ${id} in the catalogue`);
  return claim;
}

/** The test name vitest shows and reports parse back: "ID title". */
/**
 * vitest tags: every test of a claim carries one of these and its claim's ID (suites/claim.ts, app/vitest-projects.ts).
 */
export const CLAIM_TAG = 'claim';
export const NEGATIVE_CONTROL_TAG = 'negative-control';

/** The vitest tag definitions of every claim test (vitest rejects a tag its configuration does not define). */
export const CLAIM_TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: CLAIM_TAG, description: 'a claim of the article, checked on the live cluster' },
  { name: NEGATIVE_CONTROL_TAG, description: "a negative control: the claim's check rejects a deviating cluster" },
  ...CATALOGUE.map((c) => ({ name: c.id, description: c.title })),
];

export function claimTestName(id: ClaimId): string {
  return `${id} ${claimById(id).title}`;
}

/**
 * How a negative control stages its deviation, which the reports show beside it:
 * - live: made on the cluster, or in the live exchange the check observes, and undone;
 * - beside: a deviating thing of the run's own staged on the cluster beside the real one (a file tree in a
 *   run-named folder on the node, another etcd container of the cluster's etcd image), which the check is
 *   pointed at; the real one is untouched;
 * - copy: a live observation of this run, deviated in memory;
 * - expectation: the cluster and its observation untouched, the check given another expectation (it shows the
 *   check compares with what it is told to expect, not that the cluster can deviate);
 * - recorded: an observation recorded from a real run (a fixture with its provenance).
 * A control that can stage live only on clusters kube-claims made declares both:
 * `{ madeByKubeClaims: 'live', elsewhere: 'copy' }`. suites/deviations/kinds.ts says which deviation helper
 * stages which kind, and a test holds the declarations to it.
 */
export type Staging = 'live' | 'beside' | 'copy' | 'expectation' | 'recorded';
export type StagingDeclaration = Staging | { madeByKubeClaims: Staging; elsewhere: Staging };
export const STAGINGS: readonly Staging[] = ['live', 'beside', 'copy', 'expectation', 'recorded'];

/** The staging a declaration gives on a cluster kube-claims made, or did not. */
export function stagingOn(declaration: StagingDeclaration, madeByKubeClaims: boolean): Staging {
  return typeof declaration === 'string'
    ? declaration
    : madeByKubeClaims
      ? declaration.madeByKubeClaims
      : declaration.elsewhere;
}

/** A staging that writes to the cluster (and so needs the rights of a write, and is left out of a read-only run). */
export function stagesOnCluster(staging: Staging | undefined): boolean {
  return staging === 'live' || staging === 'beside';
}

/** How the reports word a staging. */
export const STAGING_LABELS: Record<Staging, string> = {
  live: 'staged live (on the cluster, undone afterwards)',
  beside:
    "staged beside the real one (the run's own deviating file tree or container on the cluster, removed afterwards)",
  copy: 'staged on a copy (a live observation of this run, deviated)',
  expectation: 'staged in the expectation (the cluster and its observation untouched, another expectation given)',
  recorded: 'staged on a recorded observation (a fixture from a real run)',
};
export const STAGING_SHORT: Record<Staging, string> = {
  live: 'live',
  beside: 'beside the real one',
  copy: 'on a copy',
  expectation: 'in the expectation',
  recorded: 'on a recorded observation',
};
