// Run once by the mongo image on an empty volume (/docker-entrypoint-initdb.d),
// as the root user: one user per service with readWrite on its own database
// only, and the backup user of the `mongo-backup` service. Passwords come from
// the environment (.env.production).
const services = ["registration", "agenda", "recommendations", "marketplace", "accounts"];
const admin = db.getSiblingDB("admin");
for (const service of services) {
  admin.createUser({
    user: service,
    pwd: process.env[`${service.toUpperCase()}_MONGO_PASSWORD`],
    roles: [{ role: "readWrite", db: `tadamon_${service}` }],
  });
}
admin.createUser({
  user: "backup",
  pwd: process.env.BACKUP_MONGO_PASSWORD,
  roles: [{ role: "backup", db: "admin" }, { role: "restore", db: "admin" }],
});
