import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { getStorage } from '../../src';
import { namesContract, quotingContract, storableContract, storageContract } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const freshFile = async () => {
  const url = `journal:///${join(dir, `contract-${counter++}.log`)}`;
  return () => getStorage(url);
};

describe('Journal file storage: the Storage contract', () => {
  storageContract(freshFile, { heartbeats: false });
  storableContract(freshFile);
  quotingContract(freshFile);
  namesContract(freshFile);
});
