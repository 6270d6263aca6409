
Å


service.name

checkoutû
,
io.opentelemetry.tomcat-10.01.32.0-alphaİ
d}‘j5kóÎØÊÃ‹¢¸„shÄ£&Ì:¶*POST /api/v1/payments09ïÅ[OêAÍ'r«OêJ
http.method
POSTJ 

http.route
/api/v1/paymentsJ
http.status_codeÉZ>	‹Ú¯Oêdb.query)
message
db.query completed in 4048uszê
d}‘j5kóÎØÊÃ‹¢¸„şÙ'zÕ€™œ"shÄ£&Ì:¶*POST /api/v1/orders09ïß¸£OêAu‡Á¨OêJ
http.method
POSTJ

http.route
/api/v1/ordersJ
http.status_codeÉZE	_ú1¤Oêcache.lookup,
message!
cache.lookup completed in 643usz'https://opentelemetry.io/schemas/1.21.0