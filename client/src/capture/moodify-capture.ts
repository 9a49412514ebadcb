import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { types as msc } from 'mediasoup-client';
import { Device } from 'mediasoup-client';

import { base, tokens } from '../design/tokens.js';
import { RequestError, SignallingClient } from '../signalling-client.js';

export type CaptureStatus =
  'idle' | 'requesting-devices' | 'permission-denied' | 'no-devices' | 'connecting' | 'live' | 'reconnecting' | 'error';

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
  static override styles = [
    tokens,
    base,
    css`
      :host { display: block; }
      .row { display: flex; gap: var(--md-space-3); align-items: center; flex-wrap: wrap; }
      video { width: 96px; aspect-ratio: 4 / 3; object-fit: cover; background: var(--md-surface-2); border-radius: var(--md-radius-s); transform: scaleX(-1); }
      :host([data-status='idle']) video, :host(:not([data-status])) video { display: none; }
      .text { flex: 1 1 12rem; min-width: 0; }
      .status { margin: 0; font-weight: 600; display: flex; align-items: center; gap: var(--md-space-2); }
      .status::before { content: ''; width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--md-text-muted); flex: none; }
      .status[data-kind='live']::before { background: var(--md-success); box-shadow: 0 0 0 4px var(--md-success-soft); }
      .status[data-kind='problem'] { color: var(--md-danger); }
      .status[data-kind='problem']::before { background: var(--md-danger); }
      .detail { margin: 0; font-size: var(--md-text-s); color: var(--md-text-muted); }
    `,
  ];

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
  /**
   * Where a signed-in page gets a current access token for each join (a rejoin after sleep or a
   * network change may come after the first token ran out); `token` is used without it.
   */
  @property({ attribute: false }) tokenProvider: (() => Promise<string | undefined>) | undefined;
  /** The signalling error code of the last failed join ('unauthorized', 'forbidden', 'room-not-found'…). */
  @state() errorCode = '';

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
      if (this.status !== 'idle' && this.status !== 'error')
        this.setStatus('reconnecting', 'The connection dropped. Reconnecting by itself…');
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
      const reason = (data as { reason?: string } | undefined)?.reason ?? '';
      this.stop();
      this.errorCode = 'removed';
      this.setStatus('error', reason ? `You left the room: ${reason}.` : 'You were removed from the room.');
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
      this.setStatus('error', 'This browser cannot use the camera here: the page must be opened over https.');
      return undefined;
    }
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    const wantVideo = !this.noVideo && (devices.length === 0 || devices.some((d) => d.kind === 'videoinput'));
    const wantAudio = !this.noAudio && (devices.length === 0 || devices.some((d) => d.kind === 'audioinput'));
    if (!wantVideo && !wantAudio) {
      this.setStatus('no-devices', 'No camera and no microphone were found on this device.');
      return undefined;
    }
    const video = wantVideo
      ? { width: { ideal: this.width }, height: { ideal: this.height }, frameRate: { ideal: this.fps, max: this.fps } }
      : false;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video, audio: wantAudio });
      this.hasCamera = stream.getVideoTracks().length > 0;
      this.hasMicrophone = stream.getAudioTracks().length > 0;
      return stream;
    } catch (err) {
      const name = (err as DOMException).name;
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        this.setStatus(
          'permission-denied',
          'The browser blocked the camera and microphone. Allow them for this site (the icon beside the address), then try again.',
        );
      } else if (name === 'NotFoundError' || name === 'OverconstrainedError') {
        this.setStatus('no-devices', 'No usable camera or microphone was found on this device.');
      } else {
        this.setStatus(
          'error',
          `The camera or microphone could not be opened (${name || String(err)}). Close other apps that use them, then try again.`,
        );
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
      const token = (this.tokenProvider && (await this.tokenProvider())) || this.token;
      const joined = await signalling.request<JoinReply>('join', {
        roomId: this.room,
        ...(this.displayName && { displayName: this.displayName }),
        ...(token && { token }),
        // this socket shows only our own readings; the page's live view watches the room for everyone's
        moods: 'own',
      });
      this.errorCode = '';
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
          .request<{ id: string }>('produce', {
            transportId: transport.id,
            kind,
            rtpParameters: rtpParameters as unknown as Record<string, unknown>,
          })
          .then(done, fail);
      });
      transport.on('connectionstatechange', (state) => {
        if (state === 'failed') this.setStatus('reconnecting', 'The video connection failed. Retrying…');
      });
      const video = stream.getVideoTracks()[0];
      const audio = stream.getAudioTracks()[0];
      if (video) {
        await transport.produce({
          track: video,
          // One modest layer: the server analyses 320×240 frames a few times a second. Three temporal
          // layers (L1T3) let the server's decoder take half the frames while a watcher gets them all.
          encodings: [{ maxBitrate: 250_000, maxFramerate: this.fps, scalabilityMode: 'L1T3' }],
          codecOptions: { videoGoogleStartBitrate: 200 },
        });
      }
      if (audio) await transport.produce({ track: audio, codecOptions: { opusStereo: false, opusDtx: false } });
      const missing = !video
        ? 'No camera found, so only your voice is read.'
        : !audio
          ? 'No microphone found, so only your face is read.'
          : '';
      this.setStatus('live', missing);
    } catch (err) {
      if (!signalling.connected) return; // the socket dropped; 'open' will run us again
      this.errorCode = err instanceof RequestError ? err.code : '';
      this.setStatus('error', plainJoinError(this.errorCode, String((err as Error).message ?? err)));
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
    const canStart = this.status === 'idle' || this.status === 'error' || this.status === 'permission-denied';
    return html`
      <div class="row">
        <video muted playsinline autoplay aria-label="Your camera preview"></video>
        <div class="text">
          <p class="status" role="status" aria-live="polite" data-kind=${problem ? 'problem' : this.status === 'live' ? 'live' : 'info'}>${statusText(this.status)}</p>
          ${this.detail ? html`<p class="detail">${this.detail}</p>` : nothing}
        </div>
        ${
          canStart
            ? html`<button class="primary" @click=${() => void this.start()}>${this.status === 'idle' ? 'Start camera and microphone' : 'Try again'}</button>`
            : html`<button @click=${() => this.stop()}>Stop camera and microphone</button>`
        }
      </div>
    `;
  }
}

function statusText(status: CaptureStatus): string {
  switch (status) {
    case 'idle':
      return 'Camera and microphone are off';
    case 'requesting-devices':
      return 'Asking for the camera and microphone…';
    case 'permission-denied':
      return 'Camera and microphone blocked';
    case 'no-devices':
      return 'No camera or microphone';
    case 'connecting':
      return 'Connecting to the room…';
    case 'live':
      return 'Your mood is being read';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'error':
      return 'Not connected';
  }
}

/** What a refused join means to a person. */
function plainJoinError(code: string, message: string): string {
  switch (code) {
    case 'unauthorized':
      return 'Your sign-in has ended. Sign in again to rejoin the room.';
    case 'forbidden':
      return 'You are not a member of this room. Ask its owner for an invite link.';
    case 'room-not-found':
      return 'This room does not exist any more, or its owner closed it.';
    case 'timeout':
    case 'disconnected':
      return 'The server did not answer in time. Try again in a moment.';
    default:
      return `Joining the room failed (${message}).`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'moodify-capture': MoodifyCapture;
  }
}
