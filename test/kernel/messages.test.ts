// The typed seam between the wire and the kernel's handlers (kernel/messages.ts): which msg_types
// are served, and what each handler receives from whatever a frontend sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRequestType, replyType, RequestFieldError, toRequest, type RequestType } from '../../kernel/messages';
import { newHeader, type JsonObject, type JupyterMessage } from '../../kernel/wire';

function message(type: string, content: JsonObject): JupyterMessage {
  return { identities: [], header: newHeader(type, 's'), parent_header: {}, metadata: {}, content, buffers: [] };
}

function contentOf<T extends RequestType>(type: T, content: JsonObject) {
  return toRequest(type, message(type, content)).content;
}

describe('kernel messages: typed dispatch keys and validated contents', () => {
  it('serves the protocol msg_types it handles, never a key of Object.prototype', () => {
    for (const t of ['execute_request', 'kernel_info_request', 'comm_msg', 'history_request', 'input_reply'])
      assert.ok(isRequestType(t), t);
    for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'usage_request', 'execute_reply'])
      assert.equal(isRequestType(t), false, t);
  });

  it('names every reply after its request', () => {
    assert.equal(replyType('execute_request'), 'execute_reply');
    assert.equal(replyType('comm_info_request'), 'comm_info_reply');
  });

  it('execute_request: flags take the protocol defaults, and only the booleans that change them count', () => {
    assert.deepEqual(contentOf('execute_request', { code: 'x' }), {
      code: 'x',
      silent: false,
      store_history: true,
      allow_stdin: false,
      stop_on_error: true,
    });
    assert.deepEqual(contentOf('execute_request', { code: 7, silent: 'yes', store_history: 0, allow_stdin: 1, stop_on_error: null }), {
      code: '',
      silent: false,
      store_history: true,
      allow_stdin: false,
      stop_on_error: true,
    });
    assert.deepEqual(
      contentOf('execute_request', { code: 'y', silent: true, store_history: false, allow_stdin: true, stop_on_error: false }),
      {
        code: 'y',
        silent: true,
        store_history: false,
        allow_stdin: true,
        stop_on_error: false,
      },
    );
  });

  it('a field of the wrong type is refused with a RequestFieldError naming it', () => {
    assert.throws(
      () => contentOf('complete_request', { code: 'x', cursor_pos: 'end' }),
      (e: unknown) => {
        assert.ok(e instanceof RequestFieldError);
        assert.equal(e.message, 'complete_request: content.cursor_pos must be a number, got string "end"');
        return true;
      },
    );
    assert.throws(() => contentOf('inspect_request', { code: { a: 1 } }), /inspect_request: content\.code must be a string, got an object/);
    assert.throws(() => contentOf('comm_open', { target_name: 'w' }), /comm_open: content\.comm_id must be a string, got nothing/);
    assert.throws(() => contentOf('comm_msg', { comm_id: ['x'] }), /comm_msg: content\.comm_id must be a string, got an array/);
    // Absent optional fields take their defaults instead.
    assert.deepEqual(contentOf('complete_request', {}), { code: '', cursor_pos: 0 });
  });

  it('comm data is always a plain object, and input replies are always text', () => {
    assert.deepEqual(contentOf('comm_msg', { comm_id: 'c', data: 5 }), { comm_id: 'c', data: {} });
    assert.deepEqual(contentOf('comm_msg', { comm_id: 'c', data: [1] }), { comm_id: 'c', data: {} });
    assert.deepEqual(contentOf('comm_close', { comm_id: 'c', data: { a: 1 } }), { comm_id: 'c', data: { a: 1 } });
    assert.equal(contentOf('input_reply', { value: 'typed' }).value, 'typed');
    assert.equal(contentOf('input_reply', {}).value, '');
    assert.equal(contentOf('input_reply', { value: 12 }).value, '12');
    assert.equal(contentOf('input_reply', { value: JSON.parse('{"toString": null}') as unknown }).value, '');
  });

  it('debug_request and comm_info_request keep only well-typed fields', () => {
    assert.deepEqual(contentOf('debug_request', { seq: '3', command: 9 }), { seq: 0, command: '' });
    assert.deepEqual(contentOf('debug_request', { seq: 3, command: 'debugInfo' }), { seq: 3, command: 'debugInfo' });
    assert.deepEqual(contentOf('comm_info_request', { target_name: 1 }), {});
    assert.deepEqual(contentOf('comm_info_request', { target_name: 'jupyter.widget' }), { target_name: 'jupyter.widget' });
  });
});
