//! The Redis broker's background tasks: the subscription that brings every instance's
//! messages here (and its catch-up after a reconnection), the publisher of the outbox, and the
//! renewal of this instance's names.
//!
//! Final server — book chapter "Scaling out", sections "One order for a room" and "When Redis is
//! away".

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use stage4_architecture::backoff::{Backoff, random_u64};
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use super::keys::{
    ROOMS_KEY, RoomFrame, SIGN_OUT_CHANNEL, alive_key, alive_key_parts, devices_key,
    instance_channel, members_key, name_key, owner, revoked_key, room_channel, room_frame,
};
use super::outbox::Outgoing;
use super::redis::{NAME_TTL, REDIS_TIMEOUT, RedisBroker};
use crate::hub::Hub;
use crate::stats::Stats;
use chat_protocol::{self as protocol, PresenceEvent};

/// How often the subscription is pinged, to notice a connection that died without a word.
const PING_EVERY: Duration = Duration::from_secs(5);

impl RedisBroker {
    /// One item of the outbox, to Redis.
    async fn publish(
        &self,
        redis: &mut ConnectionManager,
        hub: &Hub,
        item: &Outgoing,
    ) -> redis::RedisResult<()> {
        match item {
            Outgoing::Presence {
                room,
                name,
                event,
                signed,
            } => {
                // A guest's presence this instance told its own members already, and publishes
                // for the others. A signed-in user's, Redis decides (their first device in the
                // room, or their last out, on any instance): published for the others by the
                // script, and told here when it says so.
                let frame = protocol::encode_presence(room, name, *event);
                let payload = format!("{}\n{}", self.instance, frame.as_str());
                let event = if *event == PresenceEvent::Join {
                    "join"
                } else {
                    "leave"
                };
                let alone: i64 = self
                    .presence_script(room, name, event, &payload, *signed)
                    .invoke_async(redis)
                    .await?;
                if *signed && alone == 1 {
                    hub.deliver_presence(room, name, frame);
                }
            }
            Outgoing::Release { name } => {
                let (alive_prefix, alive_suffix) = alive_key_parts();
                let mut release = self.release.key(name_key(name));
                release
                    .key(devices_key(name))
                    .arg(owner(&self.instance, name))
                    .arg(&self.instance)
                    .arg(alive_prefix)
                    .arg(alive_suffix);
                let _: i64 = release.invoke_async(redis).await?;
            }
            Outgoing::Claim { name, signed } => {
                if self.claim_name(redis, name, *signed).await? == 0 {
                    tracing::warn!(%name, "another instance took this name meanwhile");
                }
            }
            Outgoing::SignOut { token_id } => {
                let _: i64 = redis.publish(SIGN_OUT_CHANNEL, token_id).await?;
            }
        }
        Ok(())
    }

    /// The presence script for `name` in `room` (see `keys`), publishing `payload` (`""`:
    /// nothing) for every event (a guest's) or for the first and last instance only (`signed`).
    fn presence_script(
        &self,
        room: &str,
        name: &str,
        event: &str,
        payload: &str,
        signed: bool,
    ) -> redis::ScriptInvocation<'_> {
        let (alive_prefix, alive_suffix) = alive_key_parts();
        let mut script = self.presence.key(members_key(room));
        script
            .key(ROOMS_KEY)
            .arg(name)
            .arg(&self.instance)
            .arg(event)
            .arg(room)
            .arg(room_channel(room))
            .arg(payload)
            .arg(if signed { "1" } else { "0" })
            .arg(alive_prefix)
            .arg(alive_suffix);
        script
    }

    /// Publishes what waits in the outbox, in order, until [`RedisBroker::finish`].
    async fn publish_outbox(self: Arc<Self>, hub: Arc<Hub>) {
        let Some(mut outbox) = self.outbox.take_receiver() else {
            return;
        };
        let mut redis = self.conn.clone();
        loop {
            let item = tokio::select! {
                () = self.stop.cancelled() => return,
                next = outbox.recv() => match next {
                    Some(item) => item,
                    None => return,
                },
            };
            // In order, and again after a failure (Redis away), until it is done: a leave that
            // never reached Redis would leave a member listed for good.
            let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
            while let Err(err) = self.publish(&mut redis, &hub, &item).await {
                tracing::warn!(%err, ?item, "not published yet; trying again");
                tokio::select! {
                    () = self.stop.cancelled() => return,
                    () = tokio::time::sleep(backoff.next_delay(random_u64())) => {}
                }
            }
            self.outbox.published_one();
        }
    }

    /// Every 10 s: this instance is alive, and its users' names are still theirs.
    async fn renew(self: Arc<Self>, hub: Arc<Hub>) {
        let mut redis = self.conn.clone();
        let mut tick = tokio::time::interval(NAME_TTL / 3);
        loop {
            tokio::select! {
                () = self.stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            let alive: redis::RedisResult<()> = redis
                .set_ex(alive_key(&self.instance), 1, NAME_TTL.as_secs())
                .await;
            if let Err(err) = alive {
                tracing::warn!(%err, "instance not marked alive");
                continue;
            }
            if let Err(err) = self.claim_local_names(&mut redis, &hub).await {
                tracing::warn!(%err, "names not renewed");
            }
            if let Err(err) = self.close_signed_out(&mut redis, &hub).await {
                tracing::warn!(%err, "signed-out tokens not checked");
            }
        }
    }

    /// Closes this instance's connections whose token was signed out (revoked in Redis): the
    /// sign-out's publication reaches an instance only if its subscription is up, so every
    /// renewal, and every new subscription, checks the tokens in use here too.
    async fn close_signed_out(
        &self,
        redis: &mut ConnectionManager,
        hub: &Hub,
    ) -> redis::RedisResult<()> {
        let tokens = hub.token_ids();
        if tokens.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for token in &tokens {
            pipe.exists(revoked_key(token));
        }
        let revoked: Vec<bool> = pipe.query_async(redis).await?;
        for (token, _) in tokens.iter().zip(revoked).filter(|(_, revoked)| *revoked) {
            hub.sign_out(token);
        }
        Ok(())
    }

    /// Claims again the names of this instance's users (renewing their expiry), in one round
    /// trip.
    async fn claim_local_names(
        &self,
        redis: &mut ConnectionManager,
        hub: &Hub,
    ) -> redis::RedisResult<()> {
        let names = hub.local_names();
        if names.is_empty() {
            return Ok(());
        }
        let claims: Vec<_> = names
            .iter()
            .map(|(name, signed)| self.claim_invocation(name, *signed))
            .collect();
        let mut pipe = redis::pipe();
        pipe.load_script(&self.claim).ignore();
        for claim in &claims {
            pipe.invoke_script(claim);
        }
        let claimed: Vec<i64> = pipe.query_async(redis).await?;
        for ((name, _), _) in names
            .iter()
            .zip(claimed)
            .filter(|(_, claimed)| *claimed == 0)
        {
            tracing::warn!(%name, "another instance took this name while Redis was away");
        }
        Ok(())
    }

    // ANCHOR: listen
    /// Receives what other instances (and this one) publish, and hands it to the hub. Each
    /// (re)subscription first tells Redis again who is here (Redis may have restarted empty),
    /// then reads each room's stream from the last id this instance delivered or vouched for.
    /// A ping every few seconds notices a subscription that died without a word.
    async fn listen(
        self: Arc<Self>,
        hub: Arc<Hub>,
        stats: Arc<Stats>,
        shutdown: CancellationToken,
    ) {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        loop {
            let subscribed = async {
                let mut pubsub = self.client.get_async_pubsub().await?;
                pubsub.psubscribe("chat:room:*").await?;
                pubsub.subscribe(instance_channel(&self.instance)).await?;
                pubsub.subscribe(SIGN_OUT_CHANNEL).await?;
                self.restore(&hub).await?;
                redis::RedisResult::Ok(pubsub)
            };
            let pubsub = tokio::select! {
                () = shutdown.cancelled() => return,
                result = tokio::time::timeout(REDIS_TIMEOUT, subscribed) => match result {
                    Ok(Ok(pubsub)) => pubsub,
                    failed => {
                        let why = match failed {
                            Ok(Err(err)) => err.to_string(),
                            _ => "no answer".to_owned(),
                        };
                        self.degraded(&stats, &why);
                        tokio::select! {
                            () = shutdown.cancelled() => return,
                            () = tokio::time::sleep(backoff.next_delay(random_u64())) => continue,
                        }
                    }
                },
            };
            self.catch_up(&hub, &stats).await;
            backoff.reset();
            self.healthy.store(true, Ordering::Relaxed);
            stats.broker_up(true);
            stats.subscribed();
            self.ready.notify_waiters();
            tracing::info!("subscribed to redis");
            let (mut sink, mut messages) = pubsub.split();
            let mut ping =
                tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    message = messages.next() => {
                        let Some(message) = message else { break };
                        let channel = message.get_channel_name().to_owned();
                        if let Ok(payload) = message.get_payload::<String>() {
                            self.deliver(&hub, &channel, &payload);
                        }
                    }
                    _ = ping.tick() => {
                        let pong = tokio::time::timeout(REDIS_TIMEOUT, sink.ping::<redis::Value>()).await;
                        if !matches!(pong, Ok(Ok(_))) {
                            break;
                        }
                    }
                }
            }
            self.degraded(&stats, "subscription lost");
        }
    }
    // ANCHOR_END: listen

    /// Tells Redis again that this instance is alive and who its members are, renews its
    /// users' names, and closes the connections whose token was signed out meanwhile: after a
    /// restart without data, Redis knows none of it, and a sign-out published while the
    /// subscription was down reached nobody here. A few round trips, whatever the number of
    /// users: each is one pipeline.
    async fn restore(&self, hub: &Hub) -> redis::RedisResult<()> {
        let mut redis = self.conn.clone();
        let members: Vec<(String, String)> = hub
            .local_members()
            .into_iter()
            .flat_map(|(room, names)| names.into_iter().map(move |name| (room.clone(), name)))
            .collect();
        // Listed again, without a word to anyone (nobody arrived).
        let listings: Vec<_> = members
            .iter()
            .map(|(room, name)| self.presence_script(room, name, "join", "", false))
            .collect();
        let mut pipe = redis::pipe();
        pipe.set_ex(alive_key(&self.instance), 1, NAME_TTL.as_secs())
            .ignore()
            .load_script(&self.presence)
            .ignore();
        for listing in &listings {
            pipe.invoke_script(listing).ignore();
        }
        let () = pipe.query_async(&mut redis).await?;
        self.claim_local_names(&mut redis, hub).await?;
        self.close_signed_out(&mut redis, hub).await
    }

    fn degraded(&self, stats: &Stats, why: &str) {
        stats.broker_up(false);
        if self.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!(why, "redis unreachable: degraded");
        }
    }

    /// One publication: a room's message or presence, a direct message for this instance, or a
    /// token signed out.
    fn deliver(&self, hub: &Hub, channel: &str, payload: &str) {
        if let Some(room) = channel.strip_prefix("chat:room:") {
            let Some((origin, frame)) = payload.split_once('\n') else {
                return;
            };
            if origin == self.instance {
                return; // presence this instance told its own members (or will: see `publish`)
            }
            match room_frame(frame) {
                RoomFrame::Message(id) => hub.deliver_room_message(room, id, frame.into()),
                RoomFrame::Presence(name) => hub.deliver_presence(room, &name, frame.into()),
                RoomFrame::Other => hub.deliver_room_event(room, frame.into()),
            }
        } else if channel == instance_channel(&self.instance) {
            hub.deliver_direct(Utf8Bytes::from(payload));
        } else if channel == SIGN_OUT_CHANNEL {
            hub.sign_out(payload);
        }
    }

    /// After a (re)subscription: every room this instance serves, from the stream, after the
    /// last id delivered (or given in a `joined`) here. What the stream no longer holds, the
    /// members are told they missed.
    async fn catch_up(&self, hub: &Hub, stats: &Stats) {
        for (room, last) in hub.rooms_with_members() {
            if last == 0 {
                continue; // nothing delivered or vouched for here yet: nothing to miss
            }
            match self.history(&room, Some(last)).await {
                Ok(history) => {
                    if last.saturating_add(1) < history.oldest {
                        // Redis no longer holds (or never held: it lost its data) what came
                        // after `last`: say so, rather than skip it silently.
                        let resumed = if history.oldest == u64::MAX {
                            0
                        } else {
                            history.oldest
                        };
                        stats.gap();
                        hub.deliver_room_event(&room, protocol::encode_gap(&room, last, resumed));
                    }
                    for (id, frame) in history.messages {
                        hub.deliver_room_message(&room, id, frame);
                    }
                }
                Err(_) => {
                    stats.gap();
                    hub.deliver_room_event(&room, protocol::encode_gap(&room, last, 0));
                }
            }
        }
    }

    /// Starts the tasks that publish the outbox, renew the names and listen to Redis, and
    /// waits (at most [`REDIS_TIMEOUT`]) for the first subscription.
    pub async fn start(
        self: &Arc<Self>,
        hub: Arc<Hub>,
        stats: Arc<Stats>,
        shutdown: CancellationToken,
    ) {
        stats.broker_up(false);
        let ready = self.ready.notified();
        tokio::spawn(Arc::clone(self).publish_outbox(Arc::clone(&hub)));
        tokio::spawn(Arc::clone(self).renew(Arc::clone(&hub)));
        tokio::spawn(Arc::clone(self).listen(hub, stats, shutdown));
        let _ = tokio::time::timeout(REDIS_TIMEOUT, ready).await;
    }

    // ANCHOR: finish
    /// At shutdown, once the connections are closed: publishes what is left in the outbox
    /// (their leaves and names), says this instance is gone, and stops the background tasks.
    /// Bounded by `limit`.
    pub async fn finish(&self, limit: Duration) {
        let drained = async {
            self.outbox.drained().await;
            let mut redis = self.conn.clone();
            let _: redis::RedisResult<i64> = redis.del(alive_key(&self.instance)).await;
        };
        if tokio::time::timeout(limit, drained).await.is_err() {
            tracing::warn!("redis: not every leave was published before shutdown");
        }
        self.stop.cancel();
    }
    // ANCHOR_END: finish
}
