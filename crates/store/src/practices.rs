//! GP practices, and the sites and rooms where sessions are held.

use linkwell_domain::organisations::PracticeInput;
use linkwell_domain::{PracticeId, RoomId, SiteId, Version};

use linkwell_domain::audit::AuditAction;

use crate::audit::append_in;
use crate::error::stored;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Page, Result, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Practice {
    pub id: PracticeId,
    pub name: String,
    pub ods_code: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Site {
    pub id: SiteId,
    pub practice_id: Option<PracticeId>,
    pub name: String,
    pub address: String,
    pub postcode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Room {
    pub id: RoomId,
    pub site_id: SiteId,
    pub name: String,
}

/// "Wellbeing room, Abbey Lane Surgery": how a room is named wherever a session is shown.
pub fn room_label(sites: &[(Site, Vec<Room>)], id: RoomId) -> Option<String> {
    sites.iter().find_map(|(s, rs)| rs.iter().find(|r| r.id == id).map(|r| format!("{}, {}", r.name, s.name)))
}

row_struct! {
    /// A `practices` row as read.
    struct PracticeRow {
        id: String,
        name: String,
        ods_code: String,
        created_at: i64,
        updated_at: i64,
        version: i64,
    }
}

impl TryFrom<PracticeRow> for Practice {
    type Error = StoreError;

    fn try_from(r: PracticeRow) -> Result<Practice> {
        Ok(Practice {
            id: stored(r.id.parse())?,
            name: r.name,
            ods_code: r.ods_code,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

row_struct! {
    /// A `sites` row as read.
    struct SiteRow {
        id: String,
        practice_id: Option<String>,
        name: String,
        address: String,
        postcode: Option<String>,
    }
}

impl TryFrom<SiteRow> for Site {
    type Error = StoreError;

    fn try_from(r: SiteRow) -> Result<Site> {
        Ok(Site {
            id: stored(r.id.parse())?,
            practice_id: r.practice_id.map(|s| stored(s.parse())).transpose()?,
            name: r.name,
            address: r.address,
            postcode: r.postcode,
        })
    }
}

row_struct! {
    /// A `rooms` row as read.
    struct RoomRow {
        id: String,
        site_id: String,
        name: String,
    }
}

impl TryFrom<RoomRow> for Room {
    type Error = StoreError;

    fn try_from(r: RoomRow) -> Result<Room> {
        Ok(Room { id: stored(r.id.parse())?, site_id: stored(r.site_id.parse())?, name: r.name })
    }
}

impl Db {
    pub async fn create_practice(&self, scope: &OrgScope, actor: &Actor, input: &PracticeInput) -> Result<Practice> {
        let now = now_ms();
        let p = Practice {
            id: PracticeId::new(),
            name: input.name.clone(),
            ods_code: input.ods_code.to_string(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO practices (organisation_id, id, name, ods_code, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $5, 1)")
                .bind(scope.key())
                .bind(p.id.to_string())
                .bind(&p.name)
                .bind(&p.ods_code)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err(StoreError::unique_as("ods_code"))?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::PracticeCreated, "practice", p.id, None));
        tx.commit().await?;
        Ok(p)
    }

    /// Update a practice if it is still at `expected`; a stale version is a `Conflict`.
    pub async fn update_practice(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: PracticeId,
        expected: Version,
        input: &PracticeInput,
    ) -> Result<Practice> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE practices SET name = $1, ods_code = $2, updated_at = $3, version = version + 1 WHERE organisation_id = $4 AND id = $5 AND version = $6")
                .bind(&input.name)
                .bind(input.ods_code.as_str())
                .bind(now_ms())
                .bind(scope.key())
                .bind(id.to_string())
                .bind(expected.0)
                .execute(&mut *conn)
                .await
                .map_err(StoreError::unique_as("ods_code"))?
                .rows_affected()
        });
        expect_version(&mut tx, "practices", scope, id, n).await?;
        append_in(&mut tx, scope, &actor.event(AuditAction::PracticeUpdated, "practice", id, None));
        tx.commit().await?;
        self.practice(scope, id).await
    }

    pub async fn practice(&self, scope: &OrgScope, id: PracticeId) -> Result<Practice> {
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, PracticeRow>("SELECT id, name, ods_code, created_at, updated_at, version FROM practices WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key())
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// Practices in creation order, `limit` at a time after the `after` cursor.
    pub async fn practices_page(&self, scope: &OrgScope, after: Option<&str>, limit: usize) -> Result<Page<Practice>> {
        let rows: Vec<Practice> = on_db!(self, pool => {
            let rows = sqlx::query_as::<_, PracticeRow>("SELECT id, name, ods_code, created_at, updated_at, version FROM practices WHERE organisation_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(scope.key())
                .bind(after.unwrap_or(""))
                .bind((limit + 1) as i64)
                .fetch_all(pool)
                .await?;
            rows.into_iter().map(Practice::try_from).collect::<Result<Vec<_>>>()
        })?;
        Ok(Page::from_overfetch(rows, limit, |p| p.id.to_string()))
    }

    pub async fn count_practices(&self, scope: &OrgScope) -> Result<i64> {
        on_db!(self, pool => {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM practices WHERE organisation_id = $1").bind(scope.key()).fetch_one(pool).await?)
        })
    }

    /// Every practice, by name: the lists behind pick-lists and the admin page.
    pub async fn practices_by_name(&self, scope: &OrgScope) -> Result<Vec<Practice>> {
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, PracticeRow>("SELECT id, name, ods_code, created_at, updated_at, version FROM practices WHERE organisation_id = $1 ORDER BY name, id")
                .bind(scope.key())
                .fetch_all(pool)
                .await?;
            rows.into_iter().map(Practice::try_from).collect()
        })
    }

    /// The practices with these ids (those that exist in this organisation), for lists
    /// that name a few practices without loading them all.
    pub async fn practices_by_ids(&self, scope: &OrgScope, ids: &[String]) -> Result<Vec<Practice>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, name, ods_code, created_at, updated_at, version FROM practices WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND id");
            crate::push_in_list(&mut qb, ids);
            let rows = qb.build_query_as::<PracticeRow>().fetch_all(pool).await?;
            rows.into_iter().map(Practice::try_from).collect()
        })
    }

    pub async fn create_site(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        practice_id: Option<PracticeId>,
        name: &str,
        address: &str,
        postcode: Option<&str>,
    ) -> Result<Site> {
        let site = Site {
            id: SiteId::new(),
            practice_id,
            name: name.to_owned(),
            address: address.to_owned(),
            postcode: postcode.map(str::to_owned),
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO sites (organisation_id, id, practice_id, name, address, postcode, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, 1)")
                .bind(scope.key())
                .bind(site.id.to_string())
                .bind(practice_id.map(|p| p.to_string()))
                .bind(&site.name)
                .bind(&site.address)
                .bind(&site.postcode)
                .bind(now_ms())
                .execute(&mut *conn)
                .await?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::SiteCreated, "site", site.id, None));
        tx.commit().await?;
        Ok(site)
    }

    pub async fn create_room(&self, scope: &OrgScope, actor: &Actor, site_id: SiteId, name: &str) -> Result<Room> {
        let room = Room { id: RoomId::new(), site_id, name: name.to_owned() };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO rooms (organisation_id, id, site_id, name, created_at, version) VALUES ($1, $2, $3, $4, $5, 1)")
                .bind(scope.key())
                .bind(room.id.to_string())
                .bind(site_id.to_string())
                .bind(&room.name)
                .bind(now_ms())
                .execute(&mut *conn)
                .await
                .map_err(StoreError::unique_as("name"))?;
        });
        append_in(&mut tx, scope, &actor.event(AuditAction::RoomCreated, "room", room.id, None));
        tx.commit().await?;
        Ok(room)
    }

    /// Sites with their rooms, by site name.
    pub async fn sites_with_rooms(&self, scope: &OrgScope) -> Result<Vec<(Site, Vec<Room>)>> {
        let (sites, rooms): (Vec<Site>, Vec<Room>) = on_db!(self, pool => {
            let srows = sqlx::query_as::<_, SiteRow>("SELECT id, practice_id, name, address, postcode FROM sites WHERE organisation_id = $1 ORDER BY name, id")
                .bind(scope.key()).fetch_all(pool).await?;
            let rrows = sqlx::query_as::<_, RoomRow>("SELECT id, site_id, name FROM rooms WHERE organisation_id = $1 ORDER BY name, id")
                .bind(scope.key()).fetch_all(pool).await?;
            let sites = srows.into_iter().map(Site::try_from).collect::<Result<Vec<_>>>()?;
            let rooms = rrows.into_iter().map(Room::try_from).collect::<Result<Vec<_>>>()?;
            (sites, rooms)
        });
        Ok(sites
            .into_iter()
            .map(|s| {
                let rs = rooms.iter().filter(|r| r.site_id == s.id).cloned().collect();
                (s, rs)
            })
            .collect())
    }
}
