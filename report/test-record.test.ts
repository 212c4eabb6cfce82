// How failures read in the reports: client-node's ApiException in one line.
import { describe, expect, test } from 'vitest';
import { condenseApiException, errorText } from './test-record.ts';

// As @kubernetes/client-node 2.0 words an API error (recorded from a run against a cluster without kube-scheduler).
const NOT_FOUND =
  'HTTP-Code: 404\nMessage: Unknown API Status Code!\nBody: "{\\"kind\\":\\"Status\\",\\"apiVersion\\":\\"v1\\",\\"metadata\\":{},\\"status\\":\\"Failure\\",' +
  '\\"message\\":\\"pods \\\\\\"kube-scheduler-kc-accept-control-plane\\\\\\" not found\\",\\"reason\\":\\"NotFound\\",\\"code\\":404}\\n"\n' +
  'Headers: {"audit-id":"131bed9a-828a-4fdd-b553-e45505dcc2f6","content-type":"application/json"}';

describe('condenseApiException', () => {
  test('gives the code and the Status message, without the headers', () => {
    expect(condenseApiException(NOT_FOUND)).toBe(
      'the API server answered 404: pods "kube-scheduler-kc-accept-control-plane" not found',
    );
    expect(errorText({ name: 'Error', message: NOT_FOUND })).toBe(
      'the API server answered 404: pods "kube-scheduler-kc-accept-control-plane" not found',
    );
  });
  test('a body that is no JSON is kept as sent; other text is left alone', () => {
    expect(condenseApiException('HTTP-Code: 502\nMessage: Bad Gateway\nBody: upstream down\nHeaders: {}')).toBe(
      'the API server answered 502: upstream down',
    );
    expect(condenseApiException('kubectl exited 1')).toBe('kubectl exited 1');
  });
});
