import { setCommTransport, type CommTransport } from './transport';

/**
 * Called by the kernel once at start-up: installs the comm transport and everything the widget
 * library hooks into it (the jupyter.widget.control target, the live StudyMonitor for optimize()).
 */
export function installWidgetSupport(transport: CommTransport): void {
  setCommTransport(transport);
}
