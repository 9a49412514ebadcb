/*
 * mediasoup 3.16+ is written against the libsrtp 3 API; Debian bookworm ships libsrtp2 (2.5).
 * This header includes libsrtp2 and adds, as C++ inline overloads, the libsrtp 3 calls that
 * mediasoup makes: protect/unprotect with separate input and output buffers and size_t lengths,
 * srtp_stream_remove(), and the two error codes libsrtp 3 added.
 */
#pragma once
#include <srtp2/srtp.h>
#ifdef __cplusplus
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(29);

namespace moodify_srtp3 {
using InPlaceFn = srtp_err_status_t (*)(srtp_t, void*, int*);

// libsrtp2 works in place on an int length; copy into the output buffer first when they differ.
inline srtp_err_status_t Run(InPlaceFn fn, srtp_t ctx, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t trailer)
{
  if (inLen > static_cast<size_t>(INT_MAX)) return srtp_err_status_bad_param;
  if (*outLen < inLen + trailer) return srtp_err_status_buffer_small;
  if (out != in) std::memmove(out, in, inLen);
  int len = static_cast<int>(inLen);
  const srtp_err_status_t err = fn(ctx, out, &len);
  if (err == srtp_err_status_ok) *outLen = static_cast<size_t>(len);
  return err;
}
} // namespace moodify_srtp3

inline srtp_err_status_t srtp_stream_remove(srtp_t s, uint32_t ssrc) { return ::srtp_remove_stream(s, ssrc); }

inline srtp_err_status_t srtp_protect(srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t /*mkiIndex*/)
{ return moodify_srtp3::Run(::srtp_protect, c, in, inLen, out, outLen, SRTP_MAX_TRAILER_LEN); }
// SRTCP appends a 4-byte E flag + index word besides the auth tag.
inline srtp_err_status_t srtp_protect_rtcp(srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t /*mkiIndex*/)
{ return moodify_srtp3::Run(::srtp_protect_rtcp, c, in, inLen, out, outLen, SRTP_MAX_TRAILER_LEN + 4); }
inline srtp_err_status_t srtp_unprotect(srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen)
{ return moodify_srtp3::Run(::srtp_unprotect, c, in, inLen, out, outLen, 0); }
inline srtp_err_status_t srtp_unprotect_rtcp(srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen)
{ return moodify_srtp3::Run(::srtp_unprotect_rtcp, c, in, inLen, out, outLen, 0); }
#endif
