import { describe } from 'node:test';
import { InMemoryStorage } from '../../src/entries/storage';
import { storageContract } from './contract';

describe('In-memory storage: the Storage contract', () => {
  // One storage per test; the "handles" a test opens are that one object, as two studies in one
  // process share an InMemoryStorage.
  storageContract(async () => {
    const storage = new InMemoryStorage();
    return async () => storage;
  });
});
