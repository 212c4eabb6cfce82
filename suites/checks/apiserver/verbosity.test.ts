// The checks of API-12..15 on recorded observations: kubectl's stderr recorded on a kube-claims cluster
// (v1.33.3; each file's first line says where and when) and excerpts of client-go's source as the Go module
// proxy serves it.
import { describe, expect, test } from 'vitest';
import { recordedText } from '../fixtures/recorded.ts';
import { loggedExchanges, parseKlog } from '../../../helpers/klog.ts';
import {
  checkConfigKeys,
  checkFeatureGates,
  checkLevel6,
  checkLevel8,
  checkPodListRequest,
  featureGateLines,
  isLogStatement,
  LOOK_BACK,
  observedPodListPath,
  parseKnownFeatures,
  structJsonTags,
  truncationLimit,
} from './verbosity.ts';

const v6 = recordedText('get-pods-v6.txt').value;
const v8 = recordedText('get-pods-v8.txt').value;
/** The server they were recorded against (their provenance line names it). */
const server = 'https://127.0.0.1:46159';

describe('API-12: the pod list request', () => {
  test("kubectl get pods asks the context's namespace with its default chunk size", () => {
    const x = loggedExchanges(parseKlog(v6).entries);
    expect(checkPodListRequest(x, { server, namespace: 'default', limit: 500 })).toEqual([]);
    expect(observedPodListPath(x)).toBe('/api/v1/namespaces/default/pods?limit=500');
  });
  test('another namespace or limit is named', () => {
    const x = loggedExchanges(parseKlog(v8).entries);
    expect(checkPodListRequest(x, { server, namespace: 'default', limit: 500 })).toEqual([
      {
        check: 'pod-list-url',
        expected: `${server}/api/v1/namespaces/default/pods?limit=500`,
        actual: `${server}/api/v1/namespaces/kube-system/pods?limit=500`,
        message: `kubectl requested ${server}/api/v1/namespaces/kube-system/pods?limit=500, not ${server}/api/v1/namespaces/default/pods?limit=500`,
      },
    ]);
  });
});

describe('API-13: verbosity levels', () => {
  test('-v 6 logs verb, URL, status and time, and nothing more', () => {
    expect(checkLevel6(v6, parseKlog(v6).entries)).toEqual([]);
  });
  test('-v 8 output fails the -v 6 check, naming the headers and bodies', () => {
    const diffs = checkLevel6(v8, parseKlog(v8).entries);
    expect(diffs).toContainEqual(
      expect.objectContaining({ check: 'no-request-headers', actual: 'Accept, User-Agent' }),
    );
    expect(diffs.map((f) => f.check)).toContain('no-bodies');
  });
  test('-v 8 logs headers and cuts the body at the limit', () => {
    expect(checkLevel8(parseKlog(v8).entries, 1024)).toEqual([]);
    expect(checkLevel8(parseKlog(v8).entries, 10240)[0]).toMatchObject({
      check: 'body-cut-at',
      expected: '10240',
      actual: '1024',
    });
    expect(checkLevel8(parseKlog(v6).entries, 1024)[0]?.check).toBe('request-headers-logged');
  });
  test('the limit is read from truncateBody', () => {
    const source =
      'func truncateBody(logger klog.Logger, body string) string {\n\tmax := 0\n\tswitch {\n\tcase bool(logger.V(10).Enabled()):\n\t\treturn body\n\tcase bool(logger.V(9).Enabled()):\n\t\tmax = 10240\n\tcase bool(logger.V(8).Enabled()):\n\t\tmax = 1024\n\t}';
    expect(truncationLimit(source)).toBe(1024);
  });
});

describe('API-14: feature gates', () => {
  const unversioned = [
    '\tClientsAllowCBOR Feature = "ClientsAllowCBOR"',
    '\tInOrderInformers Feature = "InOrderInformers"',
    '\tWatchListClient Feature = "WatchListClient"',
    'var defaultKubernetesFeatureGates = map[Feature]FeatureSpec{',
    '\tClientsAllowCBOR:        {Default: false, PreRelease: Alpha},',
    '\tInOrderInformers:        {Default: true, PreRelease: Beta},',
    '\tWatchListClient:         {Default: false, PreRelease: Beta},',
    '}',
  ].join('\n');
  const versioned = [
    '\tInOrderInformers Feature = "InOrderInformers"',
    '\tWatchListClient Feature = "WatchListClient"',
    'var defaultVersionedKubernetesFeatureGates = map[Feature]VersionedSpecs{',
    '\tInOrderInformers: {',
    '\t\t{Version: version.MustParse("1.33"), Default: true, PreRelease: Beta},',
    '\t\t{Version: version.MustParse("1.36"), Default: true, PreRelease: GA, LockToDefault: true},',
    '\t},',
    '\tWatchListClient: {',
    '\t\t{Version: version.MustParse("1.30"), Default: false, PreRelease: Beta},',
    '\t\t{Version: version.MustParse("1.35"), Default: true, PreRelease: Beta},',
    '\t},',
    '}',
  ].join('\n');
  test('both forms of known_features.go; a versioned gate takes its latest spec', () => {
    expect([...parseKnownFeatures(unversioned)]).toEqual([
      ['ClientsAllowCBOR', false],
      ['InOrderInformers', true],
      ['WatchListClient', false],
    ]);
    expect([...parseKnownFeatures(versioned)]).toEqual([
      ['InOrderInformers', true],
      ['WatchListClient', true],
    ]);
  });
  test('logged gates against the known ones', () => {
    const logged = featureGateLines(parseKlog(v8).entries);
    const known = new Map([
      ['ClientsAllowCBOR', false],
      ['ClientsPreferCBOR', false],
      ['InformerResourceVersion', false],
      ['InOrderInformers', true],
      ['WatchListClient', false],
    ]);
    expect(checkFeatureGates(logged, known)).toEqual([]);
    expect(checkFeatureGates(logged, new Map([...known, ['WatchListClient', true]]))).toEqual([
      {
        check: 'gate-default',
        expected: 'WatchListClient=true',
        actual: 'WatchListClient=false',
        message: "WatchListClient: logged enabled=false, client-go's default is true",
      },
    ]);
  });
});

describe('API-15: source references', () => {
  const loader = [
    'func LoadFromFile(filename string) (*clientcmdapi.Config, error) {',
    '\tkubeconfigBytes, err := os.ReadFile(filename)',
    '\tif err != nil {',
    '\t\treturn nil, err',
    '\t}',
    '\tklog.V(6).Infoln("Config loaded from file: ", filename)',
  ];
  const plain = {
    file: 'loader.go',
    line: 6,
    message: 'Config loaded from file:  /etc/kubernetes/admin.conf',
    structured: false,
  };
  test('a plain Infoln message at its line, one line off is not', () => {
    expect(isLogStatement(loader, plain)).toBe(true);
    expect(isLogStatement(loader, { ...plain, line: 5 })).toBe(false);
  });
  test('a multi-line statement is found from a line inside it, up to LOOK_BACK lines down, and not past it', () => {
    const rt = [
      '\tlogger.Info("Request", "verb", req.Method,',
      '\t\t"url", req.URL.String(),',
      '\t\t"headers", newHeadersMap(req.Header),',
      '\t\t"body", b,',
      '\t)',
      '',
      '',
      '',
      '\treturn nil',
    ];
    const at = (line: number) =>
      isLogStatement(rt, { file: 'round_trippers.go', line, message: 'Request', structured: true });
    expect([1, 2, 3, 4].map(at)).toEqual([true, true, true, true]);
    expect(at(1 + LOOK_BACK + 1)).toBe(false);
  });
  test("a printf format, a structured message, and a body logged with the caller's depth", () => {
    const proxy = [
      '\tif f.accept(req.Method, req.URL.Path, host) {',
      '\t\tklog.V(3).Infof("Filter accepting %v %v %v", req.Method, req.URL.Path, host)',
    ];
    expect(
      isLogStatement(proxy, {
        file: 'proxy_server.go',
        line: 2,
        message: 'Filter accepting GET /version 127.0.0.1',
        structured: false,
      }),
    ).toBe(true);
    const rt = [
      '\tlogger.Info("Request", "verb", req.Method, "url", req.URL.String(),',
      '\t\t"headers", newHeadersMap(req.Header))',
    ];
    expect(isLogStatement(rt, { file: 'round_trippers.go', line: 1, message: 'Request', structured: true })).toBe(true);
    expect(isLogStatement(rt, { file: 'round_trippers.go', line: 1, message: 'Response', structured: true })).toBe(
      false,
    );
    const discovery = ['\tbody, err := d.restClient.Get().AbsPath("/version").Do(context.TODO()).Raw()'];
    expect(
      isLogStatement(discovery, { file: 'discovery_client.go', line: 1, message: 'Response Body', structured: true }),
    ).toBe(true);
    expect(
      isLogStatement(discovery, { file: 'discovery_client.go', line: 1, message: 'Request', structured: true }),
    ).toBe(false);
  });
  test("Config's json tags and the keys of a kubeconfig", () => {
    const types =
      'type Config struct {\n\tKind string `json:"kind,omitempty"`\n\tAPIVersion string `json:"apiVersion,omitempty"`\n\tPreferences Preferences `json:"preferences"`\n\tClusters []NamedCluster `json:"clusters"`\n\tAuthInfos []NamedAuthInfo `json:"users"`\n\tContexts []NamedContext `json:"contexts"`\n\tCurrentContext string `json:"current-context"`\n\tExtensions []NamedExtension `json:"extensions,omitempty"`\n}';
    const tags = structJsonTags(types, 'Config');
    expect(tags).toEqual([
      'kind',
      'apiVersion',
      'preferences',
      'clusters',
      'users',
      'contexts',
      'current-context',
      'extensions',
    ]);
    expect(
      checkConfigKeys('admin.conf', ['apiVersion', 'clusters', 'contexts', 'current-context', 'kind', 'users'], tags),
    ).toEqual([]);
    expect(checkConfigKeys('admin.conf', ['apiVersion', 'tokens'], tags)).toMatchObject([
      { check: 'config-key', actual: 'tokens' },
    ]);
  });
});
