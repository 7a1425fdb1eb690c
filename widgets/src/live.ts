/**
 * The live bundle (widgets/dist/live.js): tunelab's views plus a widget manager wired to a running
 * kernel through @jupyterlab/services, for a plain web page (no JupyterLab). It starts a kernel on a
 * Jupyter server, runs code, and renders the widgets the code displays, live: updates, custom
 * messages and clicks travel over the kernel's comms exactly as in JupyterLab.
 */
import { shims } from '@jupyter-widgets/base';
import { HTMLManager } from '@jupyter-widgets/html-manager/lib/htmlmanager';
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from '@jupyterlab/services';
import * as tunelabViews from './views';
import { loaderFor } from './loader';
import './embedCss';

const VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

/** A widget manager whose models live in a kernel (comm target jupyter.widget). */
export class KernelWidgetManager extends HTMLManager {
  constructor(readonly kernel: Kernel.IKernelConnection) {
    super({ loader: loaderFor(tunelabViews) });
    kernel.registerCommTarget(this.comm_target_name, async (comm, msg) => {
      await this.handle_comm_open(new shims.services.Comm(comm), msg);
    });
  }

  async _create_comm(
    targetName: string,
    modelId?: string,
    data?: Record<string, unknown>,
    metadata?: Record<string, unknown>,
    buffers?: ArrayBuffer[] | ArrayBufferView[],
  ): Promise<shims.services.Comm> {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data as never, metadata as never, buffers);
    return new shims.services.Comm(comm);
  }

  async _get_comm_info(): Promise<Record<string, unknown>> {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === 'ok' ? (reply.content.comms as Record<string, unknown>) : {};
  }

  /** Re-fetch every model from the kernel through the jupyter.widget.control comm (request_states). */
  async restoreFromKernel(): Promise<number> {
    await this._loadFromKernel();
    return Object.keys((await this.get_state()).state ?? {}).length;
  }
}

export interface LiveSession {
  kernel: Kernel.IKernelConnection;
  manager: KernelWidgetManager;
  /** Run code; outputs (widgets, text) are appended to `into`. Resolves with the execute reply status. */
  execute(code: string, into: HTMLElement): Promise<string>;
  /**
   * Open a second connection to the same kernel, as a reloaded page would, and rebuild every widget
   * model from the kernel (jupyter.widget.control request_states). Returns the models restored.
   */
  reconnect(): Promise<number>;
  shutdown(): Promise<void>;
}

/** Start a kernel on a Jupyter server and return a session that renders its widgets live. */
export async function connect(opts: { baseUrl: string; token: string; kernelName?: string }): Promise<LiveSession> {
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: opts.baseUrl,
    wsUrl: opts.baseUrl.replace(/^http/, 'ws'),
    token: opts.token,
    appendToken: true,
  });
  const kernels = new KernelManager({ serverSettings });
  const kernel = await kernels.startNew({ name: opts.kernelName ?? 'tunelab' });
  await kernel.info;
  const manager = new KernelWidgetManager(kernel);
  const session: LiveSession = {
    kernel,
    manager,
    async execute(code, into) {
      const future = kernel.requestExecute({ code, stop_on_error: true });
      future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
        const type = msg.header.msg_type;
        if (type === 'display_data' || type === 'execute_result') {
          void renderOutput((msg.content as { data: Record<string, unknown> }).data, into, manager);
        } else if (type === 'stream') {
          const pre = document.createElement('pre');
          pre.className = 'tunelab-live-stream';
          pre.textContent = (msg.content as { text: string }).text;
          into.appendChild(pre);
        } else if (type === 'error') {
          const pre = document.createElement('pre');
          pre.className = 'tunelab-live-error';
          const c = msg.content as { ename: string; evalue: string };
          pre.textContent = `${c.ename}: ${c.evalue}`;
          into.appendChild(pre);
        }
      };
      const reply = await future.done;
      return (reply?.content as { status?: string } | undefined)?.status ?? 'unknown';
    },
    async reconnect() {
      const conn = kernels.connectTo({ model: { id: kernel.id, name: kernel.name }, handleComms: true });
      try {
        await conn.info;
        return await new KernelWidgetManager(conn).restoreFromKernel();
      } finally {
        conn.dispose();
      }
    },
    async shutdown() {
      await kernel.shutdown();
      kernels.dispose();
    },
  };
  return session;
}

async function renderOutput(data: Record<string, unknown>, into: HTMLElement, manager: KernelWidgetManager): Promise<void> {
  const host = document.createElement('div');
  host.className = 'tunelab-live-output';
  into.appendChild(host);
  const view = data[VIEW_MIME] as { model_id?: string } | undefined;
  if (view?.model_id && manager.has_model(view.model_id)) {
    const model = await manager.get_model(view.model_id);
    const v = await manager.create_view(model);
    await manager.display_view(v, host);
    return;
  }
  if (typeof data['text/html'] === 'string') host.innerHTML = data['text/html'];
  else host.textContent = String(data['text/plain'] ?? '');
}

declare global {
  interface Window {
    tunelabLive?: { connect: typeof connect; KernelWidgetManager: typeof KernelWidgetManager; views: typeof tunelabViews };
  }
}
window.tunelabLive = { connect, KernelWidgetManager, views: tunelabViews };
