
Ï


service.name
orders‡
,
io.opentelemetry.tomcat-10.01.32.0-alphaä
öª°ßàD6Œ±»ıN8j1}¦ÏvyÆ;*POST /api/v1/payments09uºOêAÑbş¾OêJ
http.method
POSTJ 

http.route
/api/v1/paymentsJ
http.status_codeÉZE	M½ºOêcache.lookup,
message!
cache.lookup completed in 865uszï
öª°ßàD6Œ±»ıN8jYÒaGÜ¼Ö"1}¦ÏvyÆ;*PUT /api/v1/cart/{id}095ê»OêA­<ƒ½OêJ
http.method
PUTJ!

http.route
/api/v1/cart/{id}J
http.status_codeÉZF	½­a½Oêcache.lookup-
message"
 cache.lookup completed in 2605usz'https://opentelemetry.io/schemas/1.21.0