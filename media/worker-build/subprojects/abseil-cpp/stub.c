/* Empty translation unit: mediasoup links these "libraries" with link_whole; the real code comes from the system library. */
typedef int moodify_sysdep_stub;
