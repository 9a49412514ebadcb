import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { Device } from 'mediasoup-client';
import type { types as msc } from 'mediasoup-client';
import { SignallingClient } from '../signalling-client.js';

export type CaptureStatus =
  | 'idle'
  | 'requesting-devices'
  | 'permission-denied'
  | 'no-devices'
  | 'connecting'
  | 'live'
  | 'reconnecting'
  | 'error';

interface JoinReply {
  participantId: string;
  routerRtpCapabilities: msc.RtpCapabilities;
}

/**
 * `<moodify-capture room="living-room">` sends this device's camera and microphone to the room.
 *
 * No analysis runs here: a low-power device only captures and sends, and the server does all the
 * inference. It sends only what the analysis needs (320×240 at 12 fps by default), which saves the
 * sender's battery and bandwidth and the server's decode time. With no camera or no microphone it
 * carries on with what exists. After the connection drops it reconnects and sends again by itself.
 */
@customElement('moodify-capture')
export class MoodifyCapture extends LitElement {
  static override styles = css`
    :host { display: block; }
    video { width: 100%; max-width: 320px; aspect-ratio: 4 / 3; background: #222; border-radius: 8px; }
    .status { margin: 0.5rem 0; }
    .status[data-kind='problem'] { color: #a00; }
    button { font: inherit; padding: 0.4rem 1rem; }
  `;

  @property() room = '';
  @property({ attribute: 'display-name' }) displayName = '';
  /** Access or invite token, passed to join. */
  @property() token = '';
  @property({ type: Number }) width = 320;
  @property({ type: Number }) height = 240;
  @property({ type: Number }) fps = 12;
  /** Send only the microphone / only the camera, even where both exist. */
  @property({ type: Boolean, attribute: 'no-video' }) noVideo = false;
  @property({ type: Boolean, attribute: 'no-audio' }) noAudio = false;
  /** Start as soon as the element is connected (otherwise a Start button is shown). */
  @property({ type: Boolean }) autostart = false;

  @state() status: CaptureStatus = 'idle';
  @state() detail = '';
  @state() hasCamera = false;
  @state() hasMicrophone = false;
  participantId = '';

  @query('video') private preview?: HTMLVideoElement;
  private stream?: MediaStream;
  private signalling?: SignallingClient;
  private device?: Device;
  private transport?: msc.Transport;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autostart) void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  async start(): Promise<void> {
    if (this.status !== 'idle' && this.status !== 'error' && this.status !== 'permission-denied') return;
    this.setStatus('requesting-devices');
    this.stream = await this.openDevices();
    if (!this.stream) return;
    if (this.preview) this.preview.srcObject = this.stream;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    this.signalling = new SignallingClient(url);
    this.signalling.on('open', () => void this.joinAndSend());
    this.signalling.on('close', () => {
      this.transport = undefined;
      if (this.status !== 'idle') this.setStatus('reconnecting', 'connection lost; reconnecting');
    });
    // Our own readings, with face/voice detail, reach this (participant's) socket even in an
    // anonymous room; the page hands them to its live view, whose watch socket gets labels only.
    this.signalling.on('participantMood', (data) => {
      if ((data as { participantId?: string } | undefined)?.participantId !== this.participantId) return;
      this.dispatchEvent(new CustomEvent('own-mood', { detail: data, bubbles: true, composed: true }));
    });
    // The server lost the room's media worker: join again on a fresh router.
    this.signalling.on('roomReset', () => void this.joinAndSend());
    // The owner closed the room or removed us: stop for good, do not reconnect.
    this.signalling.on('removed', (data) => {
      const reason = (data as { reason?: string } | undefined)?.reason ?? 'removed from the room';
      this.stop();
      this.setStatus('error', reason);
    });
    this.setStatus('connecting');
    this.signalling.start();
  }

  stop(): void {
    this.signalling?.stop();
    this.signalling = undefined;
    this.transport?.close();
    this.transport = undefined;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
    this.setStatus('idle');
  }

  /** Asks for what exists: both, or only the camera, or only the microphone. */
  private async openDevices(): Promise<MediaStream | undefined> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.setStatus('error', 'this browser cannot capture media (a secure context, https or localhost, is required)');
      return undefined;
    }
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    const wantVideo = !this.noVideo && (devices.length === 0 || devices.some((d) => d.kind === 'videoinput'));
    const wantAudio = !this.noAudio && (devices.length === 0 || devices.some((d) => d.kind === 'audioinput'));
    if (!wantVideo && !wantAudio) {
      this.setStatus('no-devices', 'no camera and no microphone found');
      return undefined;
    }
    const video = wantVideo ? { width: { ideal: this.width }, height: { ideal: this.height }, frameRate: { ideal: this.fps, max: this.fps } } : false;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video, audio: wantAudio });
      this.hasCamera = stream.getVideoTracks().length > 0;
      this.hasMicrophone = stream.getAudioTracks().length > 0;
      return stream;
    } catch (err) {
      const name = (err as DOMException).name;
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        this.setStatus('permission-denied', 'camera and microphone access was denied; allow it in the browser’s site settings');
      } else if (name === 'NotFoundError' || name === 'OverconstrainedError') {
        this.setStatus('no-devices', 'no usable camera or microphone found');
      } else {
        this.setStatus('error', `could not open camera/microphone: ${String(err)}`);
      }
      return undefined;
    }
  }

  private async joinAndSend(): Promise<void> {
    const signalling = this.signalling;
    const stream = this.stream;
    if (!signalling || !stream) return;
    try {
      this.transport?.close();
      const joined = await signalling.request<JoinReply>('join', {
        roomId: this.room,
        ...(this.displayName && { displayName: this.displayName }),
        ...(this.token && { token: this.token }),
      });
      this.participantId = joined.participantId;
      if (!this.device) {
        this.device = await Device.factory();
        await this.device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
      }
      const params = await signalling.request<msc.TransportOptions>('createWebRtcTransport', { direction: 'send' });
      const transport = this.device.createSendTransport(params);
      this.transport = transport;
      transport.on('connect', ({ dtlsParameters }, done, fail) => {
        signalling.request('connectWebRtcTransport', { transportId: transport.id, dtlsParameters }).then(() => done(), fail);
      });
      transport.on('produce', ({ kind, rtpParameters }, done, fail) => {
        signalling
          .request<{ id: string }>('produce', { transportId: transport.id, kind, rtpParameters: rtpParameters as unknown as Record<string, unknown> })
          .then(done, fail);
      });
      transport.on('connectionstatechange', (state) => {
        if (state === 'failed') this.setStatus('reconnecting', 'media connection failed; retrying');
      });
      const video = stream.getVideoTracks()[0];
      const audio = stream.getAudioTracks()[0];
      if (video) {
        await transport.produce({
          track: video,
          // One modest layer: the server analyses 320×240 frames a few times a second.
          encodings: [{ maxBitrate: 250_000, maxFramerate: this.fps }],
          codecOptions: { videoGoogleStartBitrate: 200 },
        });
      }
      if (audio) await transport.produce({ track: audio, codecOptions: { opusStereo: false, opusDtx: false } });
      const missing = !video ? ' (no camera: voice only)' : !audio ? ' (no microphone: camera only)' : '';
      this.setStatus('live', `sending to room ${this.room}${missing}`);
    } catch (err) {
      if (!signalling.connected) return; // the socket dropped; 'open' will run us again
      this.setStatus('error', String((err as Error).message ?? err));
    }
  }

  private setStatus(status: CaptureStatus, detail = ''): void {
    this.status = status;
    this.detail = detail;
    this.dataset.status = status;
    this.dispatchEvent(new CustomEvent('capture-status', { detail: { status, detail }, bubbles: true, composed: true }));
  }

  override render() {
    const problem = ['permission-denied', 'no-devices', 'error', 'reconnecting'].includes(this.status);
    return html`
      <video muted playsinline autoplay aria-label="Your camera preview"></video>
      <p class="status" role="status" aria-live="polite" data-kind=${problem ? 'problem' : 'info'}>
        ${statusText(this.status)}${this.detail ? html`: ${this.detail}` : nothing}
      </p>
      ${this.status === 'idle' || this.status === 'error' || this.status === 'permission-denied'
        ? html`<button @click=${() => void this.start()}>Start camera and microphone</button>`
        : html`<button @click=${() => this.stop()}>Stop</button>`}
    `;
  }
}

function statusText(status: CaptureStatus): string {
  switch (status) {
    case 'idle': return 'Not sending';
    case 'requesting-devices': return 'Asking for camera and microphone…';
    case 'permission-denied': return 'Permission denied';
    case 'no-devices': return 'No camera or microphone';
    case 'connecting': return 'Connecting…';
    case 'live': return 'Live';
    case 'reconnecting': return 'Reconnecting';
    case 'error': return 'Error';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-capture': MoodifyCapture;
  }
}
