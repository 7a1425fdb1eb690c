/**
 * study.userAttrs / setUserAttr / systemAttrs / refreshAttrs on memory, SQLite and PostgreSQL:
 * values come back as stored JSON (NaN and infinities included), copies protect the store, a second
 * process's writes appear after refreshAttrs, and a reloaded study sees everything. Optuna 5 reading
 * and writing the same attributes is in test/storage/interop.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, InvalidArgumentError, loadStudy, type Storage } from '../../src';
import { getStorage } from '../../src/entries/storage';
import { useBackends } from './backends';

const backends = useBackends();

for (const backend of backends) {
  describe(`study attributes on ${backend.name}`, () => {
    it('setUserAttr/userAttrs round-trip JSON values; the getter returns copies; a reloaded study sees them', async () => {
      const url = await backend.newStorage('attrs_roundtrip');
      // Memory: one storage object shared by both Study objects, as two notebooks cells would.
      const storage: string | Storage = url === 'memory' ? await getStorage('memory') : url;
      const study = await createStudy({ storage, studyName: 'attrs' });
      assert.deepEqual(study.userAttrs, {});
      const value = { name: 'iris', rows: 150, tags: ['a', 'ü'], nested: { nan: NaN, inf: -Infinity } };
      await study.setUserAttr('dataset', value);
      await study.setUserAttr('dimensions', 2);
      await study.setUserAttr('__proto__', 'just a key');
      value.rows = 0; // the caller's object changing later changes nothing stored
      const attrs = study.userAttrs;
      assert.deepEqual(attrs.dataset, { name: 'iris', rows: 150, tags: ['a', 'ü'], nested: { nan: NaN, inf: -Infinity } });
      assert.equal(attrs.dimensions, 2);
      assert.equal(Object.getOwnPropertyDescriptor(attrs, '__proto__')?.value, 'just a key');
      (attrs.dataset as { rows: number }).rows = -1;
      assert.equal((study.userAttrs.dataset as { rows: number }).rows, 150, 'userAttrs is a copy');
      assert.deepEqual(await study.getUserAttrs(), study.userAttrs, 'the cached view equals a fresh read');

      const reloaded = await loadStudy({ studyName: 'attrs', storage: url === 'memory' ? study.storage : url });
      assert.deepEqual(reloaded.userAttrs, study.userAttrs);
      // Another writer: visible to `study` after refreshAttrs, not before.
      await reloaded.setUserAttr('dimensions', 3);
      await reloaded.setSystemAttr('origin', { by: 'worker 2' });
      assert.equal(study.userAttrs.dimensions, 2);
      await study.refreshAttrs();
      assert.equal(study.userAttrs.dimensions, 3);
      assert.deepEqual(study.systemAttrs.origin, { by: 'worker 2' });
      if (url !== 'memory') await reloaded.storage.close();
      await study.storage.close();
    });

    it('refuses values no storage can hold, before writing anything', async () => {
      const study = await createStudy({ storage: await backend.newStorage('attrs_refused') });
      await assert.rejects(
        study.setUserAttr('f', () => 1),
        InvalidArgumentError,
      );
      await assert.rejects(study.setUserAttr('big', 10n), InvalidArgumentError);
      assert.deepEqual(study.userAttrs, {});
      assert.deepEqual(await study.getUserAttrs(), {});
      await study.storage.close();
    });
  });
}
