import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { addonImageNames } from './addons.ts';

const manifest = (name: string) =>
  readFileSync(fileURLToPath(new URL(`./node/files/kind/manifests/${name}`, import.meta.url)), 'utf8');
const placeholders = (text: string) => [...new Set([...text.matchAll(/@([A-Z_]+)@/g)].map((m) => m[1]!))].sort();

describe("kind's default manifests in the offline node", () => {
  test('every image placeholder of the manifests is an image the recipe builds and preloads, and every such image is used', () => {
    const used = placeholders(manifest('default-cni.yaml') + manifest('default-storage.yaml'));
    expect(used).toEqual(Object.keys(addonImageNames()).sort());
  });
  test("the CNI manifest asks kind to template it, with kind's pod subnet as flannel's network", () => {
    const cni = manifest('default-cni.yaml');
    expect(cni).toContain('would you kindly template this file');
    expect(cni).toContain('"Network": "{{ .PodSubnet }}"');
    expect(cni).not.toContain('would you kindly patch this file');
  });
});
