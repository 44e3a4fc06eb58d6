#ifndef CGANTRY_CURL_SHIM_H
#define CGANTRY_CURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt is variadic, which Swift cannot call: one typed wrapper per argument kind. */
static inline CURLcode cgantry_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cgantry_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cgantry_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cgantry_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*cgantry_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode cgantry_easy_setopt_write_callback(CURL *handle, CURLoption option, cgantry_write_callback cb) {
    return curl_easy_setopt(handle, option, cb);
}
typedef int (*cgantry_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode cgantry_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option, cgantry_xferinfo_callback cb) {
    return curl_easy_setopt(handle, option, cb);
}
static inline CURLcode cgantry_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode cgantry_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
